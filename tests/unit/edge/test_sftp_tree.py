"""The drop tree on disk: folders, leftovers, rejects with reasons, atomic outbox files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edge.sftp import DropTree, Folder, JailPath


def test_prepare_creates_private_folders_and_removes_partial_uploads(tmp_path: Path) -> None:
    tree = DropTree(tmp_path / "sftp")
    tree.prepare(["acme"])
    inbox = tree.folder("acme", Folder.INBOX)
    (inbox / ".upload-0011223344556677.part").write_bytes(b"half")
    (inbox / "held.edi.filepart").write_bytes(b"held")
    removed = tree.prepare(["acme", "other"])
    assert removed == {"acme": 1, "other": 0}
    assert sorted(p.name for p in inbox.iterdir()) == ["held.edi.filepart"]
    for folder in ("inbox", "outbox", "rejected", "archive"):
        assert (tmp_path / "sftp" / "other" / folder).stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "sftp" / "acme").stat().st_mode & 0o777 == 0o700


def test_visible_files_hide_temporaries_links_and_folders(tmp_path: Path) -> None:
    tree = DropTree(tmp_path)
    tree.prepare(["acme"])
    outbox = tree.folder("acme", Folder.OUTBOX)
    (outbox / "ACK.edi").write_bytes(b"ack")
    (outbox / ".write-1.tmp").write_bytes(b"")
    os.symlink("/etc/hostname", outbox / "link.edi")
    (outbox / "dir").mkdir()
    assert [name for name, _ in tree.visible_files("acme", Folder.OUTBOX)] == ["ACK.edi"]
    with pytest.raises(OSError):
        tree.open_for_reading("acme", JailPath(Folder.OUTBOX, "link.edi"))
    with pytest.raises(FileNotFoundError):
        tree.stat_file("acme", JailPath(Folder.OUTBOX, "link.edi"))


def test_reject_keeps_earlier_refusals_and_writes_the_reason_first(tmp_path: Path) -> None:
    tree = DropTree(tmp_path)
    tree.prepare(["acme"])
    inbox = tree.folder("acme", Folder.INBOX)
    for n in range(3):
        (inbox / f"u{n}").write_bytes(b"body %d" % n)
        tree.reject("acme", inbox / f"u{n}", "PO1.edi", f"reason {n}")
    (inbox / "u3").write_bytes(b"x")
    tree.reject("acme", inbox / "u3", "README", "no extension")
    rejected = tree.folder("acme", Folder.REJECTED)
    assert sorted(p.name for p in rejected.iterdir()) == [
        "PO1-2.edi", "PO1-2.edi.reason", "PO1-3.edi", "PO1-3.edi.reason",
        "PO1.edi", "PO1.edi.reason", "README", "README.reason",
    ]  # fmt: skip
    assert (rejected / "PO1-3.edi.reason").read_text() == "reason 2\n"
    assert (rejected / "PO1-3.edi").read_bytes() == b"body 2"


def test_archive_names_files_by_inbound_id(tmp_path: Path) -> None:
    tree = DropTree(tmp_path)
    tree.prepare(["acme"])
    upload, fd = tree.new_upload("acme")
    os.write(fd, b"order")
    os.close(fd)
    target = tree.archive("acme", upload, "PO1.edi", 42)
    assert target == tmp_path / "acme" / "archive" / "42-PO1.edi"
    assert target.read_bytes() == b"order" and not upload.exists()


async def test_outbox_files_appear_whole_and_replace_older_ones(tmp_path: Path) -> None:
    tree = DropTree(tmp_path)
    tree.prepare(["acme"])
    first = await tree.write_outbox_file("acme", "CONTRL-1.edi", b"first")
    second = await tree.write_outbox_file("acme", "CONTRL-1.edi", b"second")
    assert first == second == tmp_path / "acme" / "outbox" / "CONTRL-1.edi"
    assert sorted(p.name for p in first.parent.iterdir()) == ["CONTRL-1.edi"]
    assert first.read_bytes() == b"second"
    for bad in ("../escape", ".hidden", "a/b", ""):
        with pytest.raises(ValueError):
            await tree.write_outbox_file("acme", bad, b"x")
    with pytest.raises(ValueError):
        tree.partner_root("..")
