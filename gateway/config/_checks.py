"""Checks that look at more than one key: duplicates, references, protocol requirements.

They run after decoding, over every table that decoded, and report every problem they find
(not just the first), each with the path of the key to change. Warnings are for choices that
are legal but deserve a second look (a secret from the environment, plain HTTP to a remote
Odoo); ``check-config`` prints them and still exits 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contracts.errors import RejectedInput
from edge.edi.mapping import OUTBOUND, parse_target
from edge.flatfile import check_layout
from gateway.config._address import check_url, is_loopback, parse_bind
from gateway.config._flows import Identity, RoutingRule, WebhookSettings
from gateway.config._partner import (
    PartnerConfig,
    PartnerDefaults,
    SftpDropChannel,
    SftpPollChannel,
)
from gateway.config._problems import ConfigProblem
from gateway.config._schema import AdminSettings, OdooSettings, SftpSettings, StoreSettings
from gateway.config._secret import Secret
from gateway.config._types import RetrySettings

__all__ = ["MIN_TOKEN_LENGTH", "RESERVED_PARTNER_IDS", "Report", "gln_is_valid"]

MIN_TOKEN_LENGTH = 16
# Odoo is a destination like a partner (its actor, breaker and outbox rows are named "odoo").
RESERVED_PARTNER_IDS = frozenset({"odoo", "gateway", "admin", "store"})
_UNIQUE_CHANNELS = frozenset({"sftp-drop", "webhook", "none"})


def gln_is_valid(gln: str) -> bool:
    """GS1 check digit: weights 3, 1, 3, ... from the right, excluding the check digit."""
    if len(gln) != 13 or not gln.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(gln[:-1])))
    return (10 - total % 10) % 10 == int(gln[-1])


class Report:
    """Collects problems and warnings for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(ConfigProblem(file=self.file, path=path, message=message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(ConfigProblem(file=self.file, path=path, message=message))

    def check_all(
        self,
        tables: Mapping[str, object],
        partners: Sequence[tuple[int, PartnerConfig]],
        routing: Sequence[RoutingRule] = (),
        *,
        every_partner_decoded: bool = True,
    ) -> None:
        """Every check, over the tables that decoded (``None`` marks one that did not)."""
        store, admin, odoo, defaults, sftp = (
            tables.get(k) for k in ("store", "admin", "odoo", "defaults", "sftp")
        )
        odoo = odoo if isinstance(odoo, OdooSettings) else None
        if isinstance(store, StoreSettings):
            self.check_store(store, odoo)
        if isinstance(admin, AdminSettings):
            self.check_admin(admin)
        if odoo is not None:
            self.check_odoo(odoo)
        if isinstance(defaults, PartnerDefaults):
            self.check_defaults(defaults)
        if isinstance(sftp, SftpSettings):
            self.check_sftp(sftp)
        self.check_partners(partners)
        identity = tables.get("identity")
        self.check_flows(
            identity if isinstance(identity, Identity) else Identity(),
            partners,
            routing if every_partner_decoded else (),  # else "no partner" would mislead
        )
        webhooks = tables.get("webhooks")
        if isinstance(webhooks, WebhookSettings):
            try:
                parse_bind(webhooks.bind)
            except ValueError as exc:
                self.error("$.webhooks.bind", str(exc))
        if not partners and not self.problems:
            self.warn("$.partners", "no partners configured")

    def check_store(self, store: StoreSettings, odoo: OdooSettings | None) -> None:
        if odoo is not None and store.rescuer_horizon <= odoo.timeout:
            self.error(
                "$.store.rescuer_horizon",
                f"must be longer than odoo.timeout ({odoo.timeout:g}s), or deliveries still "
                f"in flight are handed out a second time; got {store.rescuer_horizon:g}s",
            )

    def check_admin(self, admin: AdminSettings) -> None:
        try:
            host, _ = parse_bind(admin.bind)
        except ValueError as exc:
            self.error("$.admin.bind", str(exc))
        else:
            if not is_loopback(host) and not admin.allow_remote:
                self.error(
                    "$.admin.bind",
                    f"{host!r} is not a loopback address, so the admin API would be reachable "
                    "from other machines; if that is intended set admin.allow_remote = true",
                )
        if not admin.tokens:
            self.warn("$.admin.tokens", "no tokens: every admin endpoint will refuse requests")
        names: dict[str, int] = {}
        for i, token in enumerate(admin.tokens):
            path = f"$.admin.tokens[{i}]"
            if token.name in names:
                first = names[token.name]
                self.error(
                    f"{path}.name",
                    f"duplicate token name {token.name!r} (first at $.admin.tokens[{first}])",
                )
            names.setdefault(token.name, i)
        values: dict[str, int] = {}
        for i, token in enumerate(admin.tokens):
            if not token.token.resolved:
                continue
            value = token.token.reveal()
            path = f"$.admin.tokens[{i}].token"
            if len(value) < MIN_TOKEN_LENGTH:
                self.error(
                    path,
                    f"too short to be a token: use at least {MIN_TOKEN_LENGTH} characters "
                    "(e.g. the output of `openssl rand -hex 32`)",
                )
            if value != value.strip():
                self.error(
                    path, "starts or ends with whitespace, which a bearer header cannot carry"
                )
            if value in values:
                self.error(
                    path,
                    f"same value as $.admin.tokens[{values[value]}].token: each token must be "
                    "distinct so it names one holder and one role",
                )
            values.setdefault(value, i)

    def check_odoo(self, odoo: OdooSettings) -> None:
        problem = check_url(odoo.url)
        if problem:
            self.error("$.odoo.url", problem)
        elif odoo.url.startswith("http://"):
            host = odoo.url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
            if not is_loopback(host):
                self.warn("$.odoo.url", "plain http to a remote host sends the API key in clear")
        if odoo.protocol in ("jsonrpc", "auto") and odoo.login is None:
            why = (
                "JSON-RPC authenticates with a login"
                if odoo.protocol == "jsonrpc"
                else 'protocol "auto" may detect JSON-RPC (Odoo 8 to 18), which needs a login; '
                'set protocol = "json2" for Odoo 19 and later'
            )
            self.error("$.odoo.login", f"required with protocol {odoo.protocol!r}: {why}")
        if odoo.delivery_concurrency > odoo.max_connections:
            self.error(
                "$.odoo.delivery_concurrency",
                f"{odoo.delivery_concurrency} concurrent deliveries need as many connections; "
                f"odoo.max_connections is {odoo.max_connections}",
            )
        self.check_retry("$.odoo.retry", odoo.retry)

    def check_sftp(self, sftp: SftpSettings) -> None:
        try:
            parse_bind(sftp.bind)
        except ValueError as exc:
            self.error("$.sftp.bind", str(exc))

    def _check_sftp_poll(self, where: str, channel: SftpPollChannel) -> None:
        """The pin's syntax and the stability rule's keys (key files are read at start)."""
        if channel.host_key is not None:
            from edge.sftp import parse_host_key_pin  # imports asyncssh: only when needed

            try:
                parse_host_key_pin(channel.host_key)
            except ValueError as exc:
                self.error(f"{where}.host_key", str(exc))
        if channel.stability == "rename" and channel.pattern in ("*", "*.*"):
            self.error(
                f"{where}.pattern",
                "the rename rule takes every file matching the pattern at once, so the "
                "pattern must match only final names (e.g. '*.edi'), not the partner's "
                "temporary ones",
            )
        if channel.stability == "done-file" and not channel.done_suffixes:
            self.error(f"{where}.done_suffixes", "the done-file rule needs at least one suffix")
        if channel.archive_dir is not None and (
            channel.archive_dir.rstrip("/") == channel.download_dir.rstrip("/")
        ):
            self.error(
                f"{where}.archive_dir",
                "must differ from download_dir, or archived files would be taken again",
            )

    def check_retry(self, path: str, retry: RetrySettings) -> None:
        if retry.cap < retry.initial:
            self.error(
                f"{path}.cap",
                f"must be at least retry.initial ({retry.initial:g}s), got {retry.cap:g}s",
            )

    def check_defaults(self, defaults: PartnerDefaults) -> None:
        self.check_retry("$.defaults.retry", defaults.retry)

    def check_partners(self, partners: Sequence[tuple[int, PartnerConfig]]) -> None:
        """``partners`` holds (index in the file, partner) for the partners that decoded."""
        ids: dict[str, int] = {}
        users: dict[str, str] = {}
        owners: dict[tuple[str, str, str], str] = {}
        for i, partner in partners:
            path = f"$.partners[{i}]"
            if partner.id in RESERVED_PARTNER_IDS:
                reserved = ", ".join(sorted(RESERVED_PARTNER_IDS))
                self.error(f"{path}.id", f"{partner.id!r} is reserved ({reserved})")
            if partner.id in ids:
                self.error(
                    f"{path}.id",
                    f"duplicate partner id {partner.id!r} (first at $.partners[{ids[partner.id]}])",
                )
            ids.setdefault(partner.id, i)
            self._check_formats(path, partner)
            self._check_channels(path, partner, users)
            self._check_identifiers(path, partner, owners)
            self._check_layouts(path, partner)
            self.check_retry(f"{path}.retry", partner.retry)

    def _check_formats(self, path: str, partner: PartnerConfig) -> None:
        seen: set[str] = set()
        for j, fmt in enumerate(partner.formats):
            if fmt in seen:
                self.error(f"{path}.formats[{j}]", f"format {fmt!r} is listed twice")
            seen.add(fmt)
        for fmt, ids in (
            ("edifact", partner.identifiers.edifact),
            ("x12", partner.identifiers.x12),
        ):
            if fmt in seen and not ids:
                self.error(
                    f"{path}.identifiers.{fmt}",
                    f"the partner uses {fmt} but has no {fmt} identifier: its inbound "
                    "interchanges could not be routed to it, nor ours addressed to it",
                )

    def _check_channels(self, path: str, partner: PartnerConfig, users: dict[str, str]) -> None:
        types = partner.channel_types()
        for j, kind in enumerate(types):
            if kind in _UNIQUE_CHANNELS and kind in types[:j]:
                self.error(f"{path}.channels[{j}].type", f"channel {kind!r} is listed twice")
            if kind == "none" and len(types) > 1:
                self.error(
                    f"{path}.channels[{j}]",
                    "'none' means the partner has no channel; it cannot be combined with others",
                )
        for j, channel in enumerate(partner.channels):
            if isinstance(channel, SftpPollChannel):
                self._check_sftp_poll(f"{path}.channels[{j}]", channel)
            if isinstance(channel, SftpDropChannel):
                user = channel.username or partner.id
                where = f"{path}.channels[{j}].username"
                if user in users:
                    self.error(where, f"SFTP user {user!r} is already used at {users[user]}")
                users.setdefault(user, where)

    def _check_layouts(self, path: str, partner: PartnerConfig) -> None:
        """Each layout on its own (``check_layout``), then against the partner's other keys."""
        names: dict[str, int] = {}
        inbound: dict[tuple[str, ...], int] = {}
        for j, layout in enumerate(partner.layouts):
            where = f"{path}.layouts[{j}]"
            for problem in check_layout(layout):
                self.error(where + problem.path.removeprefix("$"), problem.message)
            if layout.name in names:
                self.error(
                    f"{where}.name",
                    f"duplicate layout name {layout.name!r} "
                    f"(first at {path}.layouts[{names[layout.name]}])",
                )
            names.setdefault(layout.name, j)
            fmt = type(layout).__struct_config__.tag
            if fmt not in partner.formats:
                self.error(
                    f"{where}.format",
                    f"a {fmt} layout, but the partner's formats do not include {fmt!r}",
                )
            if layout.direction != "outbound":
                files = tuple(sorted(layout.files))
                if files in inbound:
                    self.warn(
                        f"{where}.files",
                        f"the same file patterns as {path}.layouts[{inbound[files]}], which is "
                        "chosen first: this layout never reads a file",
                    )
                inbound.setdefault(files, j)

    def _check_identifiers(
        self, path: str, partner: PartnerConfig, owners: dict[tuple[str, str, str], str]
    ) -> None:
        ids = partner.identifiers
        keys: list[tuple[str, tuple[str, str, str]]] = []
        for j, gln in enumerate(ids.gln):
            where = f"{path}.identifiers.gln[{j}]"
            if not gln_is_valid(gln):
                self.error(where, f"{gln!r} is not a valid GLN: its check digit is wrong")
            keys.append((where, ("gln", "", gln)))
        for j, edi in enumerate(ids.edifact):
            where = f"{path}.identifiers.edifact[{j}]"
            if edi.qualifier == "14" and not gln_is_valid(edi.id):
                self.error(
                    f"{where}.id",
                    f"qualifier '14' means a GLN, and {edi.id!r} is not a valid GLN",
                )
            keys.append((where, ("edifact", edi.qualifier or "", edi.id)))
        for j, x12 in enumerate(ids.x12):
            keys.append((f"{path}.identifiers.x12[{j}]", ("x12", x12.qualifier, x12.id)))
        for where, key in keys:
            if key in owners:
                scheme, qualifier, value = key
                shown = f"{qualifier}:{value}" if qualifier else value
                self.error(
                    where,
                    f"{scheme} identifier {shown!r} is already used at {owners[key]}: "
                    "inbound interchanges must route to exactly one partner",
                )
            owners.setdefault(key, where)

    def check_flows(
        self,
        identity: Identity,
        partners: Sequence[tuple[int, PartnerConfig]],
        routing: Sequence[RoutingRule],
    ) -> None:
        """What the flows need of partners: outbound targets that exist, our own ids for
        the EDI ones, routing rules naming 3PLs that can receive a fulfillment request."""
        by_id = {p.id: p for _, p in partners}
        for i, partner in partners:
            path = f"$.partners[{i}]"
            layouts = {layout.name for layout in partner.layouts}
            for doc_type, target in partner.outbound.items():
                self._check_target(f"{path}.outbound.{doc_type}", doc_type, target, layouts)
                syntax = target.split(":", 1)[0].lower()
                if syntax == "edifact" and identity.edifact_id is None:
                    self.error(
                        f"{path}.outbound.{doc_type}",
                        "sending EDIFACT needs our own id: set [identity] edifact_id",
                    )
                if syntax == "x12" and identity.x12_id is None:
                    self.error(
                        f"{path}.outbound.{doc_type}",
                        "sending X12 needs our own id: set [identity] x12_id",
                    )
                if syntax in ("edifact", "x12") and not getattr(partner.identifiers, syntax):
                    self.error(
                        f"{path}.outbound.{doc_type}",
                        f"sending {syntax} needs the partner's id: set identifiers.{syntax}",
                    )
            if partner.stock_feed is not None and "inventory_report" not in partner.outbound:
                self.error(
                    f"{path}.stock_feed",
                    "a stock feed needs outbound.inventory_report (the format to send it in)",
                )
        for j, rule in enumerate(routing):
            where = f"$.routing[{j}].partner"
            shipper = by_id.get(rule.partner)
            if shipper is None:
                self.error(where, f"no partner {rule.partner!r} (a [[partners]] id)")
            elif "fulfillment_request" not in shipper.outbound:
                self.error(
                    where,
                    f"partner {rule.partner!r} has no outbound.fulfillment_request: "
                    "say in which format it receives fulfillment requests",
                )

    def _check_target(self, path: str, doc_type: str, target: str, layouts: set[str]) -> None:
        if target.startswith("layout:"):
            name = target.removeprefix("layout:")
            if name not in layouts:
                known = ", ".join(sorted(layouts)) or "none"
                self.error(path, f"no layout {name!r} for this partner (its layouts: {known})")
            return
        try:
            parsed = parse_target(target)
        except RejectedInput as exc:
            self.error(path, exc.message)
            return
        carried: Any = OUTBOUND[(parsed.syntax, parsed.message)][0]
        tag = carried.__struct_config__.tag
        if tag != doc_type:
            self.error(path, f"{target} carries a {tag}, not a {doc_type}")

    def warn_env_secrets(self, secrets: Sequence[tuple[str, Secret]]) -> None:
        for path, secret in secrets:
            if isinstance(secret.env, str):
                self.warn(path, "secret from an environment variable: for development only")
