"""``summary(config)``: what ``crossdock check-config`` prints, for a human to read.

It shows what the gateway will do with this file (names, addresses, limits, where each secret
comes from) and never a secret's value: it is meant to be pasted into tickets.
"""

from __future__ import annotations

from gateway.config._partner import PartnerConfig
from gateway.config._schema import Config
from gateway.config._types import BreakerSettings, RateLimit, RetrySettings

__all__ = ["summary"]


def _rate(limit: RateLimit) -> str:
    return f"{limit.rate:g}/s burst {limit.burst}"


def _breaker(breaker: BreakerSettings) -> str:
    return (
        f"breaker opens after {breaker.failure_threshold} failures in a row or "
        f">{breaker.failure_rate:.0%} of >={breaker.min_calls} calls in {breaker.window:g}s, "
        f"cooldown {breaker.cooldown:g}s"
    )


def _retry(retry: RetrySettings) -> str:
    return (
        f"retry {retry.max_attempts} attempts, {retry.initial:g}s x{retry.factor:g} "
        f"up to {retry.cap:g}s"
    )


def _partner(partner: PartnerConfig, width: int) -> list[str]:
    ids = partner.identifiers
    idents = (
        [f"gln {g}" for g in ids.gln]
        + [f"unb {e.qualifier + ':' if e.qualifier else ''}{e.id}" for e in ids.edifact]
        + [f"isa {x.qualifier}:{x.id}" for x in ids.x12]
    )
    head = (
        f"    {partner.id:<{width}}  {partner.role:<11}  {','.join(partner.formats):<16}  "
        f"{','.join(partner.channel_types())}"
    )
    lines = [head]
    indent = " " * (width + 6)
    if partner.name:
        lines.append(f"{indent}name: {partner.name}")
    if idents:
        lines.append(f"{indent}ids: {', '.join(idents)}")
    lines.append(
        f"{indent}mailbox {partner.mailbox_capacity}, {_rate(partner.rate_limit)}, "
        f"{_retry(partner.retry)}"
    )
    lines.append(f"{indent}{_breaker(partner.breaker)}")
    mapping = partner.mapping
    tables = {
        "qualifiers": mapping.qualifiers,
        "units": mapping.units,
        "carriers": mapping.carriers,
        **{f"code_lists.{k}": v for k, v in mapping.code_lists.items()},
    }
    sizes = [f"{name} ({len(table)})" for name, table in tables.items() if table]
    if sizes:
        lines.append(f"{indent}mapping: {', '.join(sizes)}")
    return lines


def summary(config: Config) -> str:
    """A multi-line, secret-free description of ``config``."""
    gw, store, admin, odoo = config.gateway, config.store, config.admin, config.odoo
    exposure = "remote access allowed" if admin.allow_remote else "loopback only"
    login = f", login {odoo.login}" if odoo.login else ""
    lines = [
        f"crossdock configuration {gw.name!r}, version {config.version[:12]}",
        f"  file       {config.source_path}",
        f"  state dir  {gw.state_dir}",
        f"  logging    {gw.log_level}, format {gw.log_format}; "
        f"shutdown deadline {gw.shutdown_deadline:g}s",
        f"  store      {store.path}",
        f"             group commit <= {store.group_commit_max_batch}, rescue rows running "
        f"> {store.rescuer_horizon:g}s every {store.rescuer_interval:g}s",
        f"  admin      http://{admin.bind} ({exposure})",
        *[f"             token {t.name} ({t.role}) from {t.token.source()}" for t in admin.tokens],
        *([] if admin.tokens else ["             no tokens"]),
        f"  odoo       {odoo.url} protocol {odoo.protocol}, database {odoo.database}{login}",
        f"             api key from {odoo.api_key.source()}; timeout {odoo.timeout:g}s, "
        f"{odoo.max_connections} connections, {_rate(odoo.rate_limit)}",
        f"             deliveries in batches of {odoo.delivery_batch_size}, "
        f"{odoo.delivery_concurrency} at a time; {_retry(odoo.retry)}",
        f"             {_breaker(odoo.breaker)}",
        f"  partners   {len(config.partners)}",
    ]
    width = max((len(p.id) for p in config.partners), default=0)
    for partner in config.partners:
        lines.extend(_partner(partner, width))
    if config.warnings:
        lines.append(f"  warnings   {len(config.warnings)}")
        lines.extend(f"    {w.path}: {w.message}" for w in config.warnings)
    return "\n".join(lines)
