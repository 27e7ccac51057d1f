"""Secrets: where a value comes from is configuration, the value itself never is.

A secret in the TOML file is a table naming one source::

    api_key = { file = "secrets/odoo-api-key" }   # relative to the config file's directory
    api_key = { credential = "odoo-api-key" }     # $CREDENTIALS_DIRECTORY/odoo-api-key
    api_key = { env = "CROSSDOCK_ODOO_API_KEY" }  # development only

``load_config`` reads the value once, at load time, into the :class:`Secret` itself. The
value sits outside the Struct's fields, so ``repr``, ``str``, f-strings and every msgspec
encoder only ever show the source (``{"file": "secrets/odoo-api-key"}``), and ``reveal()`` is
the one way to get it: a grep for ``reveal(`` finds every place a secret leaves its box.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from contracts.errors import ConfigError

__all__ = ["Secret", "iter_secrets", "resolve_secret"]

_CREDENTIAL_NAME = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.@-]*$",
        max_length=255,
        description="a credential name: a plain file name such as 'odoo-api-key'",
    ),
]
_ENV_NAME = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="an environment variable name such as 'CROSSDOCK_ODOO_API_KEY'",
    ),
]
_FILE_NAME = Annotated[str, Meta(min_length=1, description="a file path")]

SOURCES = ("file", "credential", "env")


class Secret(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    dict=True,
):
    """A secret value and where it came from; only :meth:`reveal` gives the value away.

    Copies share the value; pickling keeps only the source (the value is not a field), so an
    unpickled secret refuses to reveal rather than travel silently to another process.
    """

    file: _FILE_NAME | UnsetType = UNSET
    credential: _CREDENTIAL_NAME | UnsetType = UNSET
    env: _ENV_NAME | UnsetType = UNSET

    @classmethod
    def literal(cls, value: str) -> Secret:
        """A secret that holds ``value`` directly: for tests and programmatic configs."""
        secret = cls()
        secret.__dict__["_value"] = value
        return secret

    def reveal(self) -> str:
        """The secret value. Call it at the last moment, where the value is sent."""
        try:
            value: str = self.__dict__["_value"]
        except KeyError:
            raise ConfigError(
                f"this secret ({self.source()}) was never resolved; "
                "secrets come from load_config() or Secret.literal()"
            ) from None
        return value

    @property
    def resolved(self) -> bool:
        return "_value" in self.__dict__

    def source(self) -> str:
        """Where the value comes from, safe to show: ``file secrets/x``, ``credential x``."""
        for kind in SOURCES:
            name = getattr(self, kind)
            if name is not UNSET:
                return f"{kind} {name}"
        return "literal" if self.resolved else "no source"

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __copy__(self) -> Secret:
        return self  # immutable, and a field-wise copy would drop the value

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


def resolve_secret(secret: Secret, *, base_dir: Path, environ: Mapping[str, str]) -> str | None:
    """Read ``secret``'s value into it; return what is wrong instead, or ``None`` when done.

    One trailing newline (``\\n`` or ``\\r\\n``) is stripped, since ``echo value > file`` and
    editors add one; any other whitespace is part of the secret.
    """
    named = [kind for kind in SOURCES if getattr(secret, kind) is not UNSET]
    if len(named) != 1:
        found = f"found {', '.join(named)}" if named else "found none"
        return (
            'a secret names exactly one source: { file = "path" }, '
            f'{{ credential = "name" }} or {{ env = "VAR" }}; {found}'
        )
    if isinstance(secret.file, str):
        path = base_dir / secret.file
        value, problem = _read(path, f"secret file {str(path)!r}")
    elif isinstance(secret.credential, str):
        directory = environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            return (
                f"credential {secret.credential!r} needs $CREDENTIALS_DIRECTORY, which systemd "
                "sets for a service with LoadCredential=; it is not set"
            )
        path = Path(directory) / secret.credential
        value, problem = _read(path, f"credential {secret.credential!r} ({path})")
    else:
        assert isinstance(secret.env, str)
        if secret.env not in environ:
            return f"environment variable {secret.env} is not set"
        value, problem = environ[secret.env], None
    if problem is not None:
        return problem
    value = value.removesuffix("\n").removesuffix("\r")
    if not value:
        return f"{secret.source()} is empty"
    secret.__dict__["_value"] = value
    return None


def _read(path: Path, what: str) -> tuple[str, str | None]:
    try:
        return path.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return "", f"{what} does not exist"
    except IsADirectoryError:
        return "", f"{what} is a directory, expected a file"
    except PermissionError:
        return "", f"{what} is not readable by this user (uid {os.getuid()})"
    except UnicodeDecodeError:
        return "", f"{what} is not UTF-8 text"
    except OSError as exc:
        return "", f"{what} cannot be read: {exc.strerror or exc}"


def iter_secrets(node: object, path: str = "$") -> Iterator[tuple[str, Secret]]:
    """Every :class:`Secret` inside ``node`` (Structs, tuples, lists, dicts) with its path."""
    if isinstance(node, Secret):
        yield path, node
    elif isinstance(node, msgspec.Struct):
        for name in node.__struct_fields__:
            yield from iter_secrets(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, tuple | list):
        for index, item in enumerate(node):
            yield from iter_secrets(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from iter_secrets(item, f"{path}.{key}")
