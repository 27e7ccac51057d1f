"""The jail's path rules, without a server: what a partner may name, and what it may not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.sftp import DropTree, Folder, JailPath, PathRefused, check_name, resolve


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", JailPath()),
        (b".", JailPath()),
        (b"/", JailPath()),
        (b"inbox", JailPath(Folder.INBOX)),
        (b"/outbox/", JailPath(Folder.OUTBOX)),
        (b"/inbox/PO1.edi", JailPath(Folder.INBOX, "PO1.edi")),
        (b"inbox//./PO1.edi", JailPath(Folder.INBOX, "PO1.edi")),
        (b"/inbox/../outbox/ACK.edi", JailPath(Folder.OUTBOX, "ACK.edi")),
        (b"/rejected/PO1.edi.reason", JailPath(Folder.REJECTED, "PO1.edi.reason")),
        ("/inbox/Bestellung-Ä.edi".encode(), JailPath(Folder.INBOX, "Bestellung-Ä.edi")),
    ],
)
def test_paths_inside_the_jail(raw: bytes, expected: JailPath) -> None:
    assert resolve(raw) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        (b"..", "escape", "climbs above"),
        (b"/../etc/passwd", "escape", "climbs above"),
        (b"/inbox/../../x", "escape", "climbs above"),
        (b"inbox/../../../other/outbox/x", "escape", "climbs above"),
        (b"/etc/passwd", "missing", "no folder 'etc'"),
        (b"/archive/1-PO1.edi", "missing", "no folder 'archive'"),
        (b"/inbox/sub/x.edi", "missing", "no sub-folders"),
        (b"/inbox/.upload-0123.part", "invalid", "reserved"),
        (b"/inbox/a\\b", "invalid", "not allowed"),
        (b"/inbox/a\x01b", "invalid", "control character"),
        (b"/inbox/" + b"x" * 256, "invalid", "longer than 255"),
        (b"/inbox/\xff\xfe", "invalid", "not UTF-8"),
        (b"/inbox/a\x00b", "invalid", "NUL"),
    ],
)
def test_paths_refused(raw: bytes, kind: str, reason: str) -> None:
    with pytest.raises(PathRefused) as caught:
        resolve(raw)
    assert caught.value.kind == kind
    assert reason in caught.value.reason


def test_virtual_paths_round_trip() -> None:
    for path in (JailPath(), JailPath(Folder.INBOX), JailPath(Folder.OUTBOX, "a.edi")):
        assert resolve(path.virtual) == path
    assert JailPath(Folder.INBOX, "a.edi").virtual == "/inbox/a.edi"


def test_check_name_says_why() -> None:
    assert check_name("PO1.edi") is None
    assert check_name("") == "empty file name"
    assert check_name("..") == "names starting with '.' are reserved"


@given(st.lists(st.sampled_from(["..", ".", "", "inbox", "outbox", "x", "a b", "..."]), max_size=6))
def test_whatever_resolves_stays_in_the_partners_tree(parts: list[str]) -> None:
    raw = "/".join(parts)
    try:
        path = resolve(raw)
    except PathRefused:
        return
    root = Path("/srv/sftp")
    real = DropTree(root).real("acme", path)
    assert real == root / "acme" or (root / "acme") in real.parents
    assert ".." not in real.parts


def test_a_suffix_temporary_name_is_one_our_own_drop_server_accepts_and_holds() -> None:
    from edge.sftp import temporary_name

    hidden = temporary_name("940-1.x12", "key-1")
    plain = temporary_name("940-1.x12", "key-1", hidden=False)
    assert hidden == "." + plain and plain.startswith("940-1.x12.") and plain.endswith(".part")
    assert check_name(hidden) == "names starting with '.' are reserved"
    assert check_name(plain) is None
