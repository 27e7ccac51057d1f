"""The admin and health HTTP API: an ASGI app of our own, served by hypercorn on trio.

Open probes (``/healthz``, ``/readyz``), ``/status`` for role ``read``, and a route table
that feature modules extend (dead letters, replay, trace, metrics) with a required role and
path parameters. Bearer tokens carry a name and a role; ``operate`` implies ``read``. The
server binds to loopback unless told otherwise.
"""

from gateway.admin._app import DEFAULT_MAX_BODY_BYTES, AdminApp
from gateway.admin._auth import (
    MIN_TOKEN_LENGTH,
    AdminToken,
    Principal,
    Role,
    SupportsReveal,
    TokenAuthenticator,
)
from gateway.admin._health import ReadyCheck, StatusSource, create_admin_app, health_routes
from gateway.admin._http import (
    HTTPError,
    Request,
    Response,
    html_response,
    json_response,
    text_response,
)
from gateway.admin._routing import OPEN, Handler, Route, RouteMatch, Router
from gateway.admin._server import DEFAULT_BIND, serve_admin
from gateway.admin._status import (
    BreakerStatus,
    ErrorStatus,
    FlowStatus,
    GatewayStatus,
    LimiterStatus,
    MailboxStatus,
    NodeStatus,
    Status,
    StoreStatus,
    render_status_table,
)

__all__ = [
    "DEFAULT_BIND",
    "DEFAULT_MAX_BODY_BYTES",
    "MIN_TOKEN_LENGTH",
    "OPEN",
    "AdminApp",
    "AdminToken",
    "BreakerStatus",
    "ErrorStatus",
    "FlowStatus",
    "GatewayStatus",
    "HTTPError",
    "Handler",
    "LimiterStatus",
    "MailboxStatus",
    "NodeStatus",
    "Principal",
    "ReadyCheck",
    "Request",
    "Response",
    "Role",
    "Route",
    "RouteMatch",
    "Router",
    "Status",
    "StatusSource",
    "StoreStatus",
    "SupportsReveal",
    "TokenAuthenticator",
    "create_admin_app",
    "health_routes",
    "html_response",
    "json_response",
    "render_status_table",
    "serve_admin",
    "text_response",
]
