"""Odoo: the JSON-2 / JSON-RPC client, error mapping, idempotent writes, the simulator.

One narrow seam (:class:`OdooTransport`: ``call`` and ``version``) with two implementations,
chosen by configuration or by the server's version; httpx's and Odoo's errors are turned
into :mod:`contracts.errors` there and nowhere else (the tree is in :mod:`._errors`). On top,
:class:`OdooClient` makes writes repeatable: ``create_once`` (one ``load`` call creating the
record and its external ID ``crossdock.<key>``) and updates that read before they act.
The simulator, a test double of Odoo's protocols, is :mod:`edge.odoo.simulator`.

::

    server = OdooServer(url="https://erp.example.com", database="prod",
                        api_key=ApiKey(key), login="crossdock-bot", protocol="auto")
    async with open_odoo_client(server) as odoo:
        order_id = await odoo.create_sale_order(key, SaleOrderDraft(...))
        await odoo.confirm_order(order_id)

What an outbox row can ask (:data:`OdooOp`, applied by :func:`apply`): the sale operations
in :mod:`._ops`, the stock ones in :mod:`._ops_stock`, goods receipts in :mod:`._receive`, inventory
adjustments (deltas, exactly once) in :mod:`._adjust`.
What pollers read: :func:`changed_since`, a ``(write_date, id)`` cursor over any model
(:mod:`._poll`).
"""

from ._adjust import NO_ADJUSTMENT_TYPE, AdjustInventory, Adjustment
from ._arguments import SIGNATURES, json2_params, jsonrpc_params
from ._client import LOAD_REJECTED, OdooClient, PickingValidated, m2o_id, open_odoo_client
from ._codecache import CodeCache
from ._errors import (
    BUSINESS_ERRORS,
    TRANSIENT_ERRORS,
    ErrorKind,
    OdooAuthFailed,
    OdooErrorBody,
    classify_name,
    error_from_jsonrpc,
    error_from_response,
    parse_error_body,
    parse_retry_after,
)
from ._http import OdooHttp, open_odoo_http
from ._json2 import Json2Transport
from ._jsonrpc import JsonRpcTransport
from ._lookup import (
    AMBIGUOUS_CODE,
    UNKNOWN_CUSTOMER,
    UNKNOWN_PRODUCT,
    UNKNOWN_UOM,
    CustomerCode,
    ProductCode,
    UomName,
    gtin_forms,
    resolve_orders,
)
from ._ops import (
    ConfirmOrder,
    CreateSaleOrder,
    OdooOp,
    OrderLine,
    Outcome,
    apply,
    apply_many,
    create_sale_orders,
    decode_op,
    encode_op,
)
from ._ops_stock import (
    UNKNOWN_PICKING,
    UNKNOWN_WAREHOUSE,
    ApplyInventory,
    DoneQuantity,
    PickingKind,
    SetTracking,
    ValidatePicking,
    WarehouseStock,
    find_picking,
)
from ._poll import Cursor, after_cursor, changed_since, cursor_of
from ._receive import NO_OPEN_PICKING, PickingTaken, ReceiveGoods, receipt_mark, receipt_owner
from ._records import MissingRecord, RecordRef, odoo_reference, resolve_record
from ._rows import DbId, ExternalId, Ref, SaleOrderDraft, SaleOrderLineDraft, load_table
from ._settings import ApiKey, OdooProtocol, OdooServer, SupportsReveal
from ._transport import DetectingTransport, OdooTransport, open_odoo_transport
from ._version import ServerVersion, detect_protocol, protocol_for
from ._xid import (
    XID_MODULE,
    external_id,
    external_id_name,
    is_valid_external_id_name,
    line_external_id,
)

__all__ = [
    "AMBIGUOUS_CODE",
    "BUSINESS_ERRORS",
    "LOAD_REJECTED",
    "NO_ADJUSTMENT_TYPE",
    "NO_OPEN_PICKING",
    "SIGNATURES",
    "TRANSIENT_ERRORS",
    "UNKNOWN_CUSTOMER",
    "UNKNOWN_PICKING",
    "UNKNOWN_PRODUCT",
    "UNKNOWN_UOM",
    "UNKNOWN_WAREHOUSE",
    "XID_MODULE",
    "AdjustInventory",
    "Adjustment",
    "ApiKey",
    "ApplyInventory",
    "CodeCache",
    "ConfirmOrder",
    "CreateSaleOrder",
    "Cursor",
    "CustomerCode",
    "DbId",
    "DetectingTransport",
    "DoneQuantity",
    "ErrorKind",
    "ExternalId",
    "Json2Transport",
    "JsonRpcTransport",
    "MissingRecord",
    "OdooAuthFailed",
    "OdooClient",
    "OdooErrorBody",
    "OdooHttp",
    "OdooOp",
    "OdooProtocol",
    "OdooServer",
    "OdooTransport",
    "OrderLine",
    "Outcome",
    "PickingKind",
    "PickingTaken",
    "PickingValidated",
    "ProductCode",
    "ReceiveGoods",
    "RecordRef",
    "Ref",
    "SaleOrderDraft",
    "SaleOrderLineDraft",
    "ServerVersion",
    "SetTracking",
    "SupportsReveal",
    "UomName",
    "ValidatePicking",
    "WarehouseStock",
    "after_cursor",
    "apply",
    "apply_many",
    "changed_since",
    "classify_name",
    "create_sale_orders",
    "cursor_of",
    "decode_op",
    "detect_protocol",
    "encode_op",
    "error_from_jsonrpc",
    "error_from_response",
    "external_id",
    "external_id_name",
    "find_picking",
    "gtin_forms",
    "is_valid_external_id_name",
    "json2_params",
    "jsonrpc_params",
    "line_external_id",
    "load_table",
    "m2o_id",
    "odoo_reference",
    "open_odoo_client",
    "open_odoo_http",
    "open_odoo_transport",
    "parse_error_body",
    "parse_retry_after",
    "protocol_for",
    "receipt_mark",
    "receipt_owner",
    "resolve_orders",
    "resolve_record",
]
