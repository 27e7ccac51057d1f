"""render_status_table: the /status document as text for ``crossdock status``."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.admin import Status, render_status_table

FULL: Status = {
    "gateway": {
        "version": "0.1.0",
        "pid": 4242,
        "uptime_s": 3725.0,
        "ready": True,
        "config_hash": "sha256:9f2c0123456789abcdef",
    },
    "tree": {
        "name": "root",
        "kind": "supervisor",
        "state": "running",
        "restarts": 0,
        "children": [
            {"name": "store", "kind": "service", "state": "running", "restarts": 0},
            {
                "name": "partners",
                "kind": "supervisor",
                "state": "running",
                "restarts": 1,
                "children": [
                    {
                        "name": "partner:acme",
                        "kind": "actor",
                        "state": "running",
                        "restarts": 2,
                        "mailbox": {"depth": 3, "capacity": 100},
                        "breaker": {"state": "open", "failures": 5},
                        "limiter": {"rate": 5.0, "burst": 10},
                        "last_error": {"type": "TransientFailure", "message": "timeout after 10 s"},
                    },
                    {
                        "name": "partner:globex",
                        "state": "restarting",
                        "restarts": 7,
                        "breaker": {"state": "half_open"},
                        "limiter": {"rate": 0.5},
                        "last_error": "connection refused\nby 10.0.0.7",
                    },
                ],
            },
        ],
    },
    "flows": [
        {
            "flow": "order_intake",
            "backlog": 3,
            "lag_s": 95,
            "oldest_pending": "2025-01-01T10:00:00Z",
            "dead_letters": 1,
        }
    ],
    "store": {
        "path": "/var/lib/crossdock/crossdock.db",
        "size_bytes": 1048576,
        "wal_bytes": 65536,
        "outbox": {"available": 3, "running": 1, "dead": 2},
        "inbound": {"parsed": 120, "rejected": 1},
        "dead_letters": 3,
        "oldest_pending": None,
    },
}


def row(text: str, name: str) -> list[str]:
    """The cells of the table row whose first cell is ``name`` (split on 2+ spaces)."""
    for line in text.splitlines():
        if line.strip().startswith(name + " "):
            return re.split(r"\s{2,}", line.strip())
    raise AssertionError(f"no row {name!r} in:\n{text}")


def test_one_row_per_actor_with_its_figures() -> None:
    text = render_status_table(FULL)
    assert row(text, "partner:acme") == [
        "partner:acme",
        "running",
        "2",
        "3/100",
        "open",
        "5/s",
        "TransientFailure: timeout after 10 s",
    ]
    assert row(text, "partner:globex") == [
        "partner:globex",
        "restarting",
        "7",
        "-",
        "half_open",
        "0.5/s",
        "connection refused by 10.0.0.7",
    ]
    assert row(text, "root")[:3] == ["root", "running", "0"]


def actor_table(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ACTOR"))
    end = lines.index("", start)
    return lines[start:end]


def test_children_are_indented_under_their_supervisor() -> None:
    table = actor_table(render_status_table(FULL))
    assert table[0].split() == [
        "ACTOR",
        "STATE",
        "RESTARTS",
        "MAILBOX",
        "BREAKER",
        "RATE",
        "LAST",
        "ERROR",
    ]
    assert table[1].startswith("root ")
    assert table[2].startswith("  store ")
    assert table[3].startswith("  partners ")
    assert table[4].startswith("    partner:acme ")
    assert table[5].startswith("    partner:globex ")
    assert len(table) == 6


def test_columns_line_up() -> None:
    table = actor_table(render_status_table(FULL))
    for title in ("STATE", "RESTARTS", "MAILBOX", "BREAKER", "RATE", "LAST ERROR"):
        column = table[0].index(title)
        assert all(line[column - 2 : column] == "  " for line in table), title
        assert all(line[column] != " " for line in table), title


def test_gateway_flows_and_store_sections() -> None:
    text = render_status_table(FULL)
    assert (
        text.splitlines()[0]
        == "crossdock 0.1.0  pid 4242  up 1h02m  ready  config sha256:9f2c0123456…"
    )
    assert row(text, "order_intake") == ["order_intake", "3", "1m35s", "2025-01-01T10:00:00Z", "1"]
    store = text[text.index("STORE") :]
    assert "  size            1.0 MiB (wal 64.0 KiB)" in store
    assert "  outbox          available=3 running=1 dead=2" in store
    assert "  inbound         parsed=120 rejected=1" in store
    assert "  dead letters    3" in store
    assert "  oldest pending  -" in store
    assert text.endswith("\n")


def test_long_errors_are_clipped() -> None:
    status: dict[str, Any] = {"tree": {"name": "a", "last_error": "x" * 500}}
    error = row(render_status_table(status), "a")[-1]
    assert len(error) == 60
    assert error.endswith("…")


def test_empty_document_still_renders() -> None:
    text = render_status_table({})
    assert "(no supervision tree reported)" in text
    assert "(no store statistics reported)" in text
    assert text.startswith("crossdock\n")


def test_wrong_types_are_tolerated() -> None:
    status: dict[str, Any] = {
        "gateway": "up",
        "tree": [{"name": "a", "children": "none", "mailbox": 5, "restarts": None}, 7],
        "flows": ["x", {"flow": "returns", "lag_s": float("inf")}],
        "store": {"size_bytes": "big", "outbox": {}},
    }
    text = render_status_table(status)
    assert row(text, "a") == ["a", "-", "-", "-", "-", "-", "-"]
    assert row(text, "returns") == ["returns", "-", "-", "-", "-"]
    assert "size    -" in text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
node_keys = st.sampled_from(
    ["name", "state", "restarts", "mailbox", "breaker", "limiter", "last_error", "children"]
)
nodes = st.recursive(
    st.dictionaries(node_keys, json_values, max_size=8),
    lambda inner: st.dictionaries(node_keys, json_values, max_size=6).map(
        lambda node: {**node, "children": [inner]}
    ),
    max_leaves=8,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "gateway": st.dictionaries(
            st.sampled_from(["version", "pid", "uptime_s", "ready", "config_hash"]), json_values
        )
        | json_values,
        "tree": nodes | st.lists(nodes, max_size=3) | json_values,
        "flows": st.lists(st.dictionaries(st.text(max_size=8), json_values) | json_values),
        "store": st.dictionaries(st.text(max_size=12), json_values) | json_values,
    },
)


@given(documents)
def test_any_document_renders_without_error(status: dict[str, Any]) -> None:
    text = render_status_table(status)
    assert text.endswith("\n")
    assert "ACTOR" in text or "(no supervision tree reported)" in text
