"""Host key pins, fingerprints, the generated host key and key files."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh
import pytest

from edge.sftp import (
    SftpConfigError,
    fingerprint,
    load_authorized_keys,
    load_client_key,
    load_or_create_host_key,
    parse_host_key_pin,
)


@pytest.fixture(scope="module")
def public_line() -> str:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="partner")
    return key.export_public_key().decode().strip()


def test_fingerprint_is_openssh_sha256(public_line: str) -> None:
    key = asyncssh.import_public_key(public_line)
    assert fingerprint(key.public_data) == key.get_fingerprint("sha256")


@pytest.mark.parametrize("form", ["key", "key+comment", "known_hosts", "known_hosts-port"])
def test_pin_forms_with_a_key(public_line: str, form: str) -> None:
    algorithm, blob64, _ = public_line.split()
    text = {
        "key": f"{algorithm} {blob64}",
        "key+comment": public_line,
        "known_hosts": f"sftp.example.com,10.0.0.5 {algorithm} {blob64}",
        "known_hosts-port": f"[sftp.example.com]:2222 {algorithm} {blob64} comment",
    }[form]
    pin = parse_host_key_pin(text)
    key = asyncssh.import_public_key(public_line)
    assert pin.algorithm == "ssh-ed25519"
    assert pin.matches(key.public_data)
    assert pin.public_key() == key


def test_pin_by_fingerprint(public_line: str) -> None:
    key = asyncssh.import_public_key(public_line)
    pin = parse_host_key_pin(key.get_fingerprint("sha256"))
    assert pin.blob is None and pin.public_key() is None
    assert pin.matches(key.public_data)
    other = asyncssh.generate_private_key("ssh-ed25519").convert_to_public()
    assert not pin.matches(other.public_data)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SHA256:tooshort",
        "MD5:12:34",
        "ssh-ed25519 not-base64!",
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBwLqZo3UyjX2+VY6UBfkSIODyrAnOqJ1Ex54IoCgdG7",
        "@cert-authority *.example.com ssh-ed25519 AAAA",
    ],
)
def test_bad_pins_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"SHA256|public key|markers"):
        parse_host_key_pin(text)


def test_the_host_key_is_generated_once_0600_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ssh_host_ed25519_key"
    key, created = load_or_create_host_key(path)
    assert created and path.stat().st_mode & 0o777 == 0o600
    again, created_again = load_or_create_host_key(path)
    assert not created_again
    assert again.public_data == key.public_data


def test_a_corrupt_host_key_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "ssh_host_ed25519_key"
    path.write_text("not a key\n")
    with pytest.raises(SftpConfigError) as caught:
        load_or_create_host_key(path)
    assert caught.value.file == str(path)
    assert path.read_text() == "not a key\n"


def test_key_files(tmp_path: Path, public_line: str) -> None:
    (tmp_path / "a.pub").write_text(public_line + "\n")
    keys = load_authorized_keys([str(tmp_path / "a.pub")])
    key = asyncssh.import_public_key(public_line)
    assert keys.validate(key, "127.0.0.1", "127.0.0.1") is not None
    assert load_authorized_keys([]) is None
    with pytest.raises(SftpConfigError, match="cannot read authorized keys"):
        load_authorized_keys([str(tmp_path / "missing.pub")])
    private = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "id").write_bytes(private.export_private_key())
    os.chmod(tmp_path / "id", 0o600)
    loaded = load_client_key(str(tmp_path / "id"))
    assert loaded.key.public_data == private.public_data
    assert "BEGIN" not in repr(loaded) and str(tmp_path / "id") in repr(loaded)
    with pytest.raises(SftpConfigError, match="cannot read the SFTP private key"):
        load_client_key(str(tmp_path / "a.pub"))
