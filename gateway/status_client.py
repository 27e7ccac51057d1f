"""``crossdock status``: fetch /status from a running gateway and print it as a table.

Where to ask: ``--url``, else the ``[admin] bind`` of ``--config``, else
``http://127.0.0.1:8080``. Which token: ``--token-file``, else ``$CROSSDOCK_TOKEN``, else the
first token of ``--config`` that has the read role (operate implies read).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx

from contracts.errors import ConfigError

__all__ = ["fetch_and_print_status"]

DEFAULT_URL = "http://127.0.0.1:8080"


def _resolve(
    config_path: Path | None, url: str | None, token_file: Path | None
) -> tuple[str, str | None]:
    token: str | None = None
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
    elif os.environ.get("CROSSDOCK_TOKEN"):
        token = os.environ["CROSSDOCK_TOKEN"].strip()
    if config_path is not None:
        from gateway.config import load_config

        config = load_config(config_path)
        if url is None:
            host, port = config.admin.host, config.admin.port
            if host in ("0.0.0.0", "::", ""):
                host = "127.0.0.1"
            url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        if token is None and config.admin.tokens:
            token = config.admin.tokens[0].token.reveal()
    return (url or DEFAULT_URL).rstrip("/"), token


def fetch_and_print_status(
    *, config_path: Path | None, url: str | None, token_file: Path | None, as_json: bool
) -> int:
    from gateway.admin import render_status_table

    try:
        base, token = _resolve(config_path, url, token_file)
    except (ConfigError, OSError) as exc:
        print(f"crossdock status: {exc}", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(f"{base}/status", headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        print(f"crossdock status: cannot reach the gateway at {base}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(
            f"crossdock status: {base}/status answered {response.status_code}: {response.text}",
            file=sys.stderr,
        )
        return 1
    document = response.json()
    if as_json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(render_status_table(document))
    return 0
