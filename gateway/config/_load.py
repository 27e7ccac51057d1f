"""``load_config``: read the TOML file, decode each table, resolve, check; all or nothing.

Order of work, and why:

1. Read the bytes once: their SHA-256 is the config version, so the version names exactly
   what was parsed.
2. Parse TOML (syntax errors carry line and column) and decode every top-level table on its
   own, so one bad table does not hide problems in the others; each partner is decoded on its
   own too, on top of ``[defaults]``.
3. Make paths absolute: a relative ``gateway.state_dir`` is relative to the directory of the
   config file (as named, symlinks not followed); a relative ``store.path``, ``sftp.host_key``
   and ``sftp.root`` are relative to the state directory; key files named in SFTP channels
   are relative to the config file's directory, like secret files.
4. Read every secret, then run the cross-field checks. Any problem at all -> one
   :class:`InvalidConfig` listing them all.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from gateway.config._checks import Report
from gateway.config._flows import Identity, RoutingRule, WebhookSettings
from gateway.config._partner import (
    INHERITED,
    PartnerConfig,
    PartnerDefaults,
    SftpDropChannel,
    SftpPollChannel,
)
from gateway.config._problems import (
    ConfigProblem,
    InvalidConfig,
    problem_from_toml,
    problem_from_validation,
)
from gateway.config._schema import (
    DEFAULT_STATE_DIR,
    AdminSettings,
    Config,
    GatewaySettings,
    OdooSettings,
    SftpSettings,
    StoreSettings,
)
from gateway.config._secret import iter_secrets, resolve_secret

__all__ = ["load_config"]

T = TypeVar("T")
_TABLES: dict[str, type[Any]] = {
    "gateway": GatewaySettings,
    "store": StoreSettings,
    "admin": AdminSettings,
    "odoo": OdooSettings,
    "defaults": PartnerDefaults,
    "sftp": SftpSettings,
    "identity": Identity,
    "webhooks": WebhookSettings,
}
_REQUIRED = ("odoo",)
_TOP_LEVEL = (*_TABLES, "partners", "routing")


def load_config(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Config:
    """Load and check the configuration at ``path``; raise :class:`InvalidConfig` if unusable.

    ``environ`` (default ``os.environ``) supplies ``$STATE_DIRECTORY``,
    ``$CREDENTIALS_DIRECTORY`` and ``{ env = ... }`` secrets.
    """
    env = os.environ if environ is None else environ
    file = os.fspath(path)
    source = Path(file).absolute()
    data, raw = _read(source, file)
    report = Report(file)
    decode = _Decoder(file, report)

    for key in raw:
        if key not in _TOP_LEVEL:
            allowed = ", ".join(_TOP_LEVEL)
            report.error(f"$.{key}", f"unknown top-level key {key!r}; allowed: {allowed}")
    tables: dict[str, Any] = {}
    for key, schema in _TABLES.items():
        if key in raw or key not in _REQUIRED:
            tables[key] = decode(raw.get(key, {}), schema, f"$.{key}")
        else:
            tables[key] = None
            needed = [f.encode_name for f in msgspec.structs.fields(schema) if f.required]
            report.error(
                f"$.{key}", f"required table [{key}] is missing; it needs {', '.join(needed)}"
            )
    # Bad [defaults] are reported once, at $.defaults; partners then start from the built-ins.
    defaults = tables["defaults"] if tables["defaults"] is not None else PartnerDefaults()
    partners = _decode_partners(raw.get("partners", []), defaults, decode)
    routing = decode(raw.get("routing", []), tuple[RoutingRule, ...], "$.routing")

    _resolve_paths(tables, source.parent, env)
    partners = [(i, _resolve_partner_paths(p, source.parent)) for i, p in partners]
    secrets = [
        item
        for key, table in tables.items()
        if table is not None
        for item in iter_secrets(table, f"$.{key}")
    ]
    secrets += [s for i, p in partners for s in iter_secrets(p, f"$.partners[{i}]")]
    for where, secret in secrets:
        unresolved = resolve_secret(secret, base_dir=source.parent, environ=env)
        if unresolved is not None:
            report.error(where, unresolved)
    report.warn_env_secrets(secrets)
    report.check_all(
        tables,
        partners,
        routing or (),
        every_partner_decoded=len(partners) == len(raw.get("partners", [])),
    )

    if report.problems:
        raise InvalidConfig(file, _in_file_order(report.problems, list(raw)))
    return Config(
        version=hashlib.sha256(data).hexdigest(),
        source_path=str(source),
        partners=tuple(p for _, p in partners),
        routing=routing or (),
        warnings=tuple(_in_file_order(report.warnings, list(raw))),
        **tables,
    )


def _read(source: Path, file: str) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (for the version) and its TOML document."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        problem = ConfigProblem(file=file, message=f"cannot read: {exc.strerror or exc}")
        raise InvalidConfig(file, [problem]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = ConfigProblem(file=file, message=f"not UTF-8 text (byte {exc.start})")
        raise InvalidConfig(file, [problem]) from None
    try:
        return data, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(file, [problem_from_toml(exc, file, text)]) from None


def _resolve_paths(tables: dict[str, Any], base_dir: Path, env: Mapping[str, str]) -> None:
    """Make ``state_dir`` and ``store.path`` absolute; drop the trailing '/' of Odoo's URL."""
    gateway: GatewaySettings | None = tables["gateway"]
    store: StoreSettings | None = tables["store"]
    odoo: OdooSettings | None = tables["odoo"]
    sftp: SftpSettings | None = tables["sftp"]
    if gateway is not None:
        state_dir = _state_dir(gateway, base_dir, env)
        tables["gateway"] = msgspec.structs.replace(gateway, state_dir=state_dir)
        if store is not None:
            store_path = os.path.normpath(Path(state_dir) / store.path)
            tables["store"] = msgspec.structs.replace(store, path=store_path)
        if sftp is not None:
            tables["sftp"] = msgspec.structs.replace(
                sftp,
                host_key=os.path.normpath(Path(state_dir) / sftp.host_key),
                root=os.path.normpath(Path(state_dir) / sftp.root),
            )
    if odoo is not None:
        tables["odoo"] = msgspec.structs.replace(odoo, url=odoo.url.rstrip("/"))


def _resolve_partner_paths(partner: PartnerConfig, base_dir: Path) -> PartnerConfig:
    """Make the key files of SFTP channels absolute (relative to the config's directory)."""

    def absolute(file: str) -> str:
        return os.path.normpath(base_dir / file)

    channels = []
    for channel in partner.channels:
        if isinstance(channel, SftpDropChannel) and channel.authorized_keys:
            files = tuple(absolute(f) for f in channel.authorized_keys)
            channel = msgspec.structs.replace(channel, authorized_keys=files)
        elif isinstance(channel, SftpPollChannel) and channel.private_key is not None:
            channel = msgspec.structs.replace(channel, private_key=absolute(channel.private_key))
        channels.append(channel)
    return msgspec.structs.replace(partner, channels=tuple(channels))


class _Decoder:
    """``msgspec.convert`` one table; on error record a problem and return ``None``."""

    def __init__(self, file: str, report: Report) -> None:
        self.file = file
        self.report = report

    def __call__(self, raw: object, schema: type[T], prefix: str) -> T | None:
        try:
            return msgspec.convert(raw, schema, strict=True)
        except msgspec.ValidationError as exc:
            problem = problem_from_validation(
                exc, file=self.file, prefix=prefix, schema=schema, raw=raw
            )
            self.report.problems.append(problem)
            return None


def _decode_partners(
    raw: object, defaults: PartnerDefaults, decode: _Decoder
) -> list[tuple[int, PartnerConfig]]:
    """Decode each ``[[partners]]`` entry over the defaults (merged key by key in tables)."""
    if not isinstance(raw, list):
        decode.report.error("$.partners", "expected an array of tables: [[partners]]")
        return []
    inherited = msgspec.to_builtins(defaults)
    decoded: list[tuple[int, PartnerConfig]] = []
    for i, entry in enumerate(raw):
        if isinstance(entry, dict):
            merged = {key: inherited[key] for key in INHERITED}
            for key, value in entry.items():
                base = merged.get(key)
                both_tables = isinstance(base, dict) and isinstance(value, dict)
                merged[key] = {**base, **value} if both_tables else value  # type: ignore[dict-item]
            entry = merged
        partner = decode(entry, PartnerConfig, f"$.partners[{i}]")
        if partner is not None:
            decoded.append((i, partner))
    return decoded


def _state_dir(gateway: GatewaySettings, base_dir: Path, env: Mapping[str, str]) -> str:
    """The file's ``state_dir``, else systemd's ``$STATE_DIRECTORY``, else the default.

    systemd joins several ``StateDirectory=`` entries with ':'; the first one is ours.
    """
    if gateway.state_dir is not None:
        return os.path.normpath(base_dir / gateway.state_dir)
    from_systemd = env.get("STATE_DIRECTORY", "").split(":")[0]
    return os.path.normpath(Path(from_systemd).absolute()) if from_systemd else DEFAULT_STATE_DIR


def _in_file_order(problems: list[ConfigProblem], top_keys: list[str]) -> list[ConfigProblem]:
    """Sort by the position of each problem's top-level table in the file (stable)."""

    def rank(problem: ConfigProblem) -> tuple[int, int]:
        head = problem.path.removeprefix("$.").split(".")[0].split("[")[0]
        index = re.match(r"\$\.\w+\[(\d+)\]", problem.path)
        table = top_keys.index(head) if head in top_keys else -1
        return table, int(index[1]) if index else -1

    return sorted(problems, key=rank)
