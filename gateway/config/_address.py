"""Listen addresses and URLs: parsed once here, so every caller agrees on what they mean."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["check_url", "is_loopback", "parse_bind"]

BIND_EXPECTED = "HOST:PORT such as '127.0.0.1:8080' or '[::1]:8080', port 0 to 65535"


def parse_bind(bind: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` -> ``("127.0.0.1", 8080)``; IPv6 hosts go in brackets.

    Raises ``ValueError`` with a message for the user. Port 0 is allowed: it asks the kernel
    for a free port, which is how tests start the admin server.
    """
    host, sep, port_text = bind.rpartition(":")
    if not sep or not host:
        raise ValueError(f"expected {BIND_EXPECTED}, got {bind!r}")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"unclosed '[' in {bind!r}; expected {BIND_EXPECTED}")
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host!r} in brackets is not an IPv6 address") from None
    elif ":" in host:
        raise ValueError(f"an IPv6 host goes in brackets ('[{host}]:{port_text}'), got {bind!r}")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"port must be a number from 0 to 65535, got {port_text!r}")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """True when only this machine can reach ``host``: ``localhost`` or a loopback IP.

    Any other name counts as remote: what it resolves to can change after the check.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str | None:
    """What is wrong with ``url`` as an Odoo base URL, or ``None`` when it is fine."""
    expected = "an http:// or https:// base URL such as 'https://erp.example.com'"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"expected {expected}: {exc}"
    if parts.username is not None or parts.password is not None:
        # Checked first, and the URL is not echoed: it holds a password.
        return "credentials do not belong in the URL; use api_key = { file = ... } instead"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected {expected}, got {url!r}"
    if parts.query or parts.fragment:
        return f"expected a base URL without '?query' or '#fragment', got {url!r}"
    if port == 0:
        return "port 0 is not a port Odoo can listen on"
    return None
