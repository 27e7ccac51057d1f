"""The gateway root: one nursery owning the store, the supervision tree and the admin API.

::

    run_gateway(config, stop)
      asyncio bridge (one trio-asyncio loop)
        store (SQLite, group-committing writer)          opened first, closed last
          root supervisor (one-for-one)
            partners  (supervisor, one-for-one)  partner:<id> endpoint actors: intake of
                      received files (gateway.intake), each with its outbound loop
                      (gateway.intake_outbound) in the partner-loops nursery
            odoo      the Odoo delivery actor (its own limiter and breaker; gateway.delivery)
            workflow:<flow>  one per flow (gateway.workflows): told DocumentReady by the
                      partners' intake, decides, wakes the odoo actor or a partner's loop
            rescuer   requeues outbox rows stuck in `running`
            sftp      the partners' drop server (when a partner has an sftp-drop channel)
            webhooks  the signed-webhook receiver (when a partner has a webhook channel;
                      gateway.webhooks)
            poll:<id>:<n>  one poller per sftp-poll channel, under that partner's breaker
            admin     /healthz /readyz /status (hypercorn, trio worker)
          systemd watchdog (pings only while the tree is healthy)

Shutdown: when ``stop`` is set the gateway says STOPPING=1, marks itself not ready, and
cancels the tree, which stops its children in reverse start order (admin and intake first,
then the endpoints, whose ``on_stop`` releases what they hold); then the store commits what
is queued and closes. The caller (``gateway.process``) bounds all of that with the deadline.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import trio

from actors import (
    ActorRef,
    ActorStopped,
    ChildSpec,
    MailboxFull,
    Restart,
    Strategy,
    SupervisionPolicy,
    Supervisor,
)
from edge.sftp import run_poller
from gateway import systemd
from gateway.admin import AdminToken, Role, create_admin_app, serve_admin
from gateway.bridge import open_asyncio_bridge
from gateway.config import Config, PartnerConfig, SftpDropChannel
from gateway.deadletters import dead_letter_routes
from gateway.deadletters_docs import document_routes
from gateway.delivery import announce, open_odoo_delivery, retry_policy
from gateway.endpoints import (
    Endpoint,
    FileArrived,
    FilesAvailable,
    PartnerWork,
    breaker_guard,
    endpoint_child,
    make_breaker,
    make_limiter,
)
from gateway.intake import PartnerIntake
from gateway.intake_outbound import PartnerOutbound, file_deliverer
from gateway.log import get_logger
from gateway.sftp_intake import StoreFileSink, poll_settings, serve_sftp_drop
from gateway.status import GatewayInfo, build_status
from gateway.store import Store, open_store, run_rescuer
from gateway.webhooks import has_webhooks, serve_gateway_webhooks
from gateway.workflows import (
    WorkflowContext,
    tell_document_ready,
    workflow_children,
    workflow_name,
)
from gateway.workflows.rejections import rejection_hook

__all__ = ["ORDER_INTAKE", "GatewayHandle", "build_tree", "run_gateway"]

ORDER_INTAKE = "workflow:order_intake"
"""The root's child that routes sales orders (``gateway.workflows.OrderIntakeActor``)."""

log = get_logger("crossdock.gateway")


@dataclass(frozen=True)
class GatewayHandle:
    """What ``run_gateway`` reports once ready (through ``task_status.started``)."""

    info: GatewayInfo
    root: Supervisor
    partners: Supervisor
    store: Store

    def partner(self, partner_id: str) -> ActorRef[Any, Any]:
        """The ref of a partner's endpoint actor."""
        return self.partners.ref(f"partner:{partner_id}")


def _package_version() -> str:
    try:
        return version("crossdock")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def _partner_endpoint(partner: PartnerConfig) -> Endpoint:
    return Endpoint(
        id=partner.id,
        kind="partner",
        role=partner.role,
        limiter=make_limiter(partner.rate_limit),
        breaker=make_breaker(f"partner:{partner.id}", partner.breaker),
    )


def _partner_work(
    config: Config,
    store: Store,
    partner: PartnerConfig,
    endpoint: Endpoint,
    nursery: trio.Nursery,
    on_document: Callable[[int, str], None],
) -> PartnerWork:
    deliver = file_deliverer(config, partner.id)
    retry = retry_policy(partner.retry)

    def outbound() -> PartnerOutbound:
        return PartnerOutbound(store, partner.id, deliver, retry=retry, breaker=endpoint.breaker)

    intake = PartnerIntake(store, config, partner.id, on_document=on_document)
    return PartnerWork(intake, outbound, nursery)


def build_tree(
    config: Config,
    store: Store,
    admin: ChildSpec,
    info: GatewayInfo | None = None,
    *,
    odoo: ChildSpec,
    partner_loops: trio.Nursery | None = None,
) -> tuple[Supervisor, Supervisor]:
    """The supervision tree of DESIGN.md for this configuration: (root, partners).

    Children start in order and stop in reverse: the endpoints first up and last down, then
    the rescuer, then intake (the SFTP drop server, the pollers), then the admin API.
    With ``partner_loops`` (the nursery the partners' outbound loops run in) the endpoints
    parse what arrives and deliver their outbox; without it they only count arrivals.
    """
    endpoints = {p.id: _partner_endpoint(p) for p in config.partners}
    root: Supervisor | None = None  # the refs below are taken when used, once it exists

    def document_ready(document_id: int, flow: str) -> None:
        assert root is not None
        name = workflow_name(flow)
        if name in flows:
            tell_document_ready(root.ref(name), document_id)
        else:  # stays `new`: a later version with that workflow routes it
            log.warning("no_workflow_for_document", document_id=document_id, flow=flow)

    def notify(destination: str) -> None:
        assert root is not None
        if destination == "odoo":
            announce(root.ref(odoo.name))
        elif destination.startswith("partner:"):
            try:
                partners.ref(destination).tell_nowait(FilesAvailable())
            except (MailboxFull, ActorStopped, KeyError) as exc:
                log.warning("files_available_not_told", destination=destination, why=str(exc))

    workflows = workflow_children(WorkflowContext(store, config, notify, partner_loops))
    flows = {spec.name for spec in workflows}
    work = {
        p.id: _partner_work(config, store, p, endpoints[p.id], partner_loops, document_ready)
        for p in config.partners
        if partner_loops is not None
    }
    partners = Supervisor(
        "partners",
        [
            endpoint_child(f"partner:{p.id}", endpoints[p.id], p.mailbox_capacity, work.get(p.id))
            for p in config.partners
        ],
        strategy=Strategy.ONE_FOR_ONE,
        # A partner whose actor crashes in a loop must not take the others down: its backoff
        # grows to a minute and the window is short enough that it never escalates; /status
        # shows the restarts and the last error.
        policy=SupervisionPolicy(
            max_restarts=10, within=60.0, backoff_initial=0.5, backoff_cap=60.0
        ),
    )

    async def on_file(partner: str, inbound_id: int) -> None:
        # Never block an upload on a busy actor: the row is committed, and a full mailbox
        # only means the actor finds it in the store later.
        try:
            partners.ref(f"partner:{partner}").tell_nowait(FileArrived(inbound_id))
        except (MailboxFull, ActorStopped) as exc:
            log.warning(
                "file_arrived_not_told", partner=partner, inbound_id=inbound_id, why=str(exc)
            )

    intake: list[ChildSpec] = []
    if any(isinstance(c, SftpDropChannel) for p in config.partners for c in p.channels):

        async def sftp_service(*, task_status: trio.TaskStatus[None]) -> None:
            async with trio.open_nursery() as nursery:
                drop = await nursery.start(serve_sftp_drop, config, store, on_file)
                if info is not None and drop is not None:
                    info.sftp_address = f"{drop.host}:{drop.port}"
                    info.sftp_fingerprint = drop.fingerprint
                task_status.started()

        intake.append(ChildSpec("sftp", sftp_service))
    if has_webhooks(config):

        async def webhook_service(*, task_status: trio.TaskStatus[None]) -> None:
            async with trio.open_nursery() as nursery:
                url = await nursery.start(serve_gateway_webhooks, config, store, on_file)
                if info is not None:
                    info.webhook_url = url
                task_status.started()

        intake.append(ChildSpec("webhooks", webhook_service))
    sink = StoreFileSink(store, on_file)
    for p in config.partners:
        for i, settings in enumerate(poll_settings(config, p.id)):
            poller = functools.partial(
                run_poller, settings, sink, guard=breaker_guard(endpoints[p.id].breaker)
            )
            intake.append(ChildSpec(f"poll:{p.id}:{i}", poller))
    rescuer = functools.partial(
        run_rescuer, store, config.store.rescuer_horizon, config.store.rescuer_interval
    )
    root = Supervisor(
        "root",
        [
            ChildSpec("partners", partners),
            odoo,  # the Odoo delivery actor (gateway.delivery)
            # After odoo and the partners: they start once the loops they wake are up,
            # and stop before them.
            *workflows,
            ChildSpec("rescuer", rescuer, restart=Restart.PERMANENT),
            *intake,
            admin,
        ],
        strategy=Strategy.ONE_FOR_ONE,
    )
    return root, partners


async def run_gateway(
    config: Config,
    stop: trio.Event,
    *,
    task_status: trio.TaskStatus[GatewayHandle] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the gateway until ``stop`` is set; raises if the tree gives up (escalation)."""
    info = GatewayInfo(
        name=config.gateway.name,
        version=_package_version(),
        config_version=config.version,
        store_path=config.store.path,
    )
    # The state directory is ours (systemd's StateDirectory= creates it in production).
    Path(config.store.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    built: list[Supervisor] = []  # the partners' supervisor, once the tree is built

    def wake_partner(destination: str) -> None:
        # A rejection acknowledgement was enqueued with a dead Odoo delivery: send it now
        # (the partner's outbound loop would find it at its next idle poll anyway).
        try:
            if built:
                built[0].ref(destination).tell_nowait(FilesAvailable())
        except (MailboxFull, ActorStopped, KeyError) as exc:
            log.warning("files_available_not_told", destination=destination, why=str(exc))

    async with open_asyncio_bridge():
        async with (
            open_store(config.store.path, max_batch=config.store.group_commit_max_batch) as store,
            open_odoo_delivery(
                config, store, on_dead=rejection_hook(config), on_enqueued=wake_partner
            ) as odoo,
        ):
            await store.audit(
                "system",
                "config_loaded",
                config.source_path,
                {"gateway": config.gateway.name, "partners": [p.id for p in config.partners]},
                content_hash=config.version,
            )
            root: Supervisor | None = None

            def not_ready() -> list[str]:
                reasons = []
                if info.stopping:
                    reasons.append("shutting down")
                if root is None or not root.tree_healthy():
                    reasons.append("supervision tree not fully running")
                return reasons

            async def status() -> Any:
                assert root is not None
                return await build_status(info, root, store)

            def replayed(ids: Sequence[int]) -> None:
                if root is not None:  # replayed rows go out now, not at the next idle poll
                    announce(root.ref("odoo"))

            def document_replayed(document_id: int, flow: str) -> None:
                # Decided now; a flow with no workflow here leaves it `new` (as intake does).
                name = workflow_name(flow)
                try:
                    if root is not None:
                        tell_document_ready(root.ref(name), document_id)
                except KeyError:
                    log.warning("no_workflow_for_document", document_id=document_id, flow=flow)

            def inbound_replayed(inbound_id: int, partner: str) -> None:
                # Parsed now; a full mailbox only defers it to the endpoint's rehydration.
                try:
                    if built:
                        built[0].ref(f"partner:{partner}").tell_nowait(FileArrived(inbound_id))
                except (MailboxFull, ActorStopped, KeyError) as exc:
                    log.warning(
                        "file_arrived_not_told", partner=partner, inbound_id=inbound_id,
                        why=str(exc),
                    )  # fmt: skip

            app = create_admin_app(
                [AdminToken(t.name, Role(t.role), t.token) for t in config.admin.tokens],
                ready=not_ready,
                status=status,
                routers=[
                    dead_letter_routes(store, on_replayed=replayed),
                    document_routes(
                        store,
                        on_document_replayed=document_replayed,
                        on_inbound_replayed=inbound_replayed,
                    ),
                ],
            )

            async def admin_service(*, task_status: trio.TaskStatus[None]) -> None:
                async with trio.open_nursery() as nursery:
                    info.admin_url = await nursery.start(serve_admin, app, config.admin.bind)
                    task_status.started()

            # The partners' outbound loops outlive each endpoint incarnation and end before
            # the store closes; every endpoint's on_stop ends its own loop first.
            async with trio.open_nursery() as partner_loops:
                root, partners = build_tree(
                    config,
                    store,
                    ChildSpec("admin", admin_service),
                    info,
                    odoo=odoo.child(),
                    partner_loops=partner_loops,
                )
                built.append(partners)
                started = time.monotonic()
                async with trio.open_nursery() as nursery:
                    await nursery.start(root.run)
                    nursery.start_soon(systemd.run_watchdog, root.tree_healthy)
                    log.info(
                        "gateway_ready",
                        gateway=info.name,
                        admin=info.admin_url,
                        sftp=info.sftp_address,
                        partners=len(config.partners),
                        config_version=config.version[:12],
                        startup_ms=round((time.monotonic() - started) * 1000, 1),
                    )
                    systemd.notify(
                        systemd.READY, systemd.status(f"ready; admin on {info.admin_url}")
                    )
                    task_status.started(
                        GatewayHandle(info=info, root=root, partners=partners, store=store)
                    )
                    await stop.wait()
                    info.stopping = True
                    systemd.notify(systemd.STOPPING, systemd.status("stopping"))
                    log.info("gateway_stopping", gateway=info.name)
                    nursery.cancel_scope.cancel()
                partner_loops.cancel_scope.cancel()
        log.info("gateway_stopped", gateway=info.name)
