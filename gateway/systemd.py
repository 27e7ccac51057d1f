"""systemd integration without libsystemd: ``sd_notify`` and the service watchdog.

The unit (``deploy/crossdock.service``) is ``Type=notify`` with ``WatchdogSec=``. The root
sends ``READY=1`` once the store is open and the supervision tree is up, runs
:func:`run_watchdog` beside the tree, and sends ``STOPPING=1`` when it begins to drain.

The protocol is one datagram of newline-separated ``KEY=VALUE`` lines to the AF_UNIX socket
named by ``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract namespace). Outside
systemd the variable is unset and every call here is a no-op, so the same binary runs under
a terminal, a test or the service manager.

Why a failed send only logs: sd_notify is advisory. If it cannot reach systemd, systemd
acts on its own (start timeout, missed watchdog) — crashing the gateway would not help.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping

import trio

from gateway.log import get_logger

__all__ = [
    "READY",
    "STOPPING",
    "WATCHDOG",
    "extend_timeout",
    "notify",
    "run_watchdog",
    "status",
    "watchdog_interval",
]

READY = "READY=1"
STOPPING = "STOPPING=1"
WATCHDOG = "WATCHDOG=1"

log = get_logger(__name__)


def status(text: str) -> str:
    """A ``STATUS=`` line (what ``systemctl status`` shows); newlines would end the field."""
    return "STATUS=" + " ".join(text.splitlines())


def extend_timeout(seconds: float) -> str:
    """``EXTEND_TIMEOUT_USEC=``: ask for more time while starting or draining."""
    return f"EXTEND_TIMEOUT_USEC={max(0, round(seconds * 1_000_000))}"


def _address(raw: str) -> str | None:
    if raw.startswith("@"):
        return "\0" + raw[1:]  # the abstract namespace: a leading NUL, no file
    if raw.startswith("/"):
        return raw
    return None  # vsock: and other transports of newer systemd are not supported


def notify(*states: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``states`` (``READY``, ``status("...")``...) to systemd in one datagram.

    Returns True when the datagram was sent, False when there is no ``$NOTIFY_SOCKET`` or it
    could not be reached (logged). Never blocks: the socket is non-blocking, and a full
    receive queue is a failed send, not a stalled event loop.
    """
    if not states:
        raise ValueError("notify() needs at least one state")
    for state in states:
        if "\n" in state or "=" not in state:
            raise ValueError(f"not a KEY=VALUE notify state: {state!r}")
    env = os.environ if environ is None else environ
    raw = env.get("NOTIFY_SOCKET", "")
    if not raw:
        return False
    address = _address(raw)
    if address is None:
        log.warning("sd_notify_unsupported_socket", notify_socket=raw)
        return False
    payload = "\n".join(states).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)
            sock.sendto(payload, address)
    except OSError as err:
        log.warning("sd_notify_failed", notify_socket=raw, states=list(states), error=str(err))
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout in seconds that systemd expects of *this* process, or None.

    From ``$WATCHDOG_USEC``; ``$WATCHDOG_PID``, when set, must be our pid (otherwise the
    variables were inherited from a parent that is the one being watched).
    """
    env = os.environ if environ is None else environ
    raw_usec = env.get("WATCHDOG_USEC", "")
    if not raw_usec:
        return None
    raw_pid = env.get("WATCHDOG_PID", "")
    try:
        usec = int(raw_usec)
        pid = int(raw_pid) if raw_pid else None
    except ValueError:
        log.warning("sd_watchdog_env_invalid", watchdog_usec=raw_usec, watchdog_pid=raw_pid)
        return None
    if usec <= 0 or (pid is not None and pid != os.getpid()):
        return None
    return usec / 1_000_000


async def run_watchdog(
    healthy: Callable[[], bool],
    *,
    interval: float | None = None,
    send: Callable[[str], object] = notify,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Send ``WATCHDOG=1`` every ``interval / 2`` seconds while ``healthy()`` is true.

    Runs until cancelled. ``interval`` defaults to :func:`watchdog_interval`; without one
    (not under systemd, or no ``WatchdogSec=``) it only waits. When ``healthy()`` turns false
    (the supervision tree gave up on a child it cannot do without) pings stop, so systemd
    kills and restarts the service once the interval runs out; if the tree recovers first,
    pings resume. A wedged event loop stops the pings just the same, which is the point of
    pinging from a trio task rather than a thread.

    Time comes from trio's clock, so tests drive it with ``MockClock``.
    """
    if interval is None:
        interval = watchdog_interval()
    if interval is None:
        log.debug("sd_watchdog_disabled")
        task_status.started()
        await trio.sleep_forever()
    if interval <= 0:
        raise ValueError(f"watchdog interval must be positive, got {interval}")
    period = interval / 2
    was_healthy = True
    task_status.started()
    while True:
        is_healthy = healthy()
        if is_healthy:
            send(WATCHDOG)
            if not was_healthy:
                log.info("sd_watchdog_resumed")
        elif was_healthy:
            log.warning("sd_watchdog_withheld", reason="unhealthy", interval_s=interval)
        was_healthy = is_healthy
        await trio.sleep(period)
