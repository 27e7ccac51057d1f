"""HTTP channels: the signed webhook receiver (and, later, REST pollers).

::

    app = WebhookApp({"shopfront": WebhookPartner(secret, tolerance=300)}, accept)
    url = await nursery.start(serve_webhooks, app, "127.0.0.1:0")  # "http://127.0.0.1:41234"
    headers = sign(secret, body, int(time.time()), event_id="evt-1")  # a sender's headers

``POST /webhooks/<partner id>`` with ``X-Crossdock-Timestamp`` (unix seconds),
``X-Crossdock-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`` and,
optionally, ``X-Crossdock-Event`` (the sender's event id). The receiver checks the request
and hands the raw body to an injected ``accept``; it never parses documents and imports
nothing of the gateway. Intake reads the stored body later with :func:`decode_documents`
(one canonical document, or ``{"documents": [...]}``). The request format and every
answer are in docs/webhooks.md.
"""

from edge.http._asgi import (
    ClientGone,
    Message,
    Receive,
    Scope,
    Send,
    client_address,
    dispatch_scope,
    read_body,
    request_headers,
)
from edge.http._documents import decode_documents
from edge.http._receiver import (
    DEFAULT_MAX_BODY,
    PATH_PREFIX,
    Accept,
    Accepted,
    WebhookApp,
    WebhookPartner,
)
from edge.http._server import DEFAULT_BIND, EventLogger, serve_asgi, serve_webhooks
from edge.http._signature import (
    EVENT_HEADER,
    MAX_EVENT_ID_LENGTH,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedHeaders,
    WebhookRefused,
    read_signed_headers,
    sign,
    signature_of,
    verify,
)

__all__ = [
    "DEFAULT_BIND",
    "DEFAULT_MAX_BODY",
    "EVENT_HEADER",
    "MAX_EVENT_ID_LENGTH",
    "PATH_PREFIX",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Accept",
    "Accepted",
    "ClientGone",
    "EventLogger",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "SignedHeaders",
    "WebhookApp",
    "WebhookPartner",
    "WebhookRefused",
    "client_address",
    "decode_documents",
    "dispatch_scope",
    "read_body",
    "read_signed_headers",
    "request_headers",
    "serve_asgi",
    "serve_webhooks",
    "sign",
    "signature_of",
    "verify",
]
