"""The house rules a machine can check: ruff over the tree, mypy --strict over every package.

Both run as the developers run them (the project's pyproject.toml settings), so a lint error
or a type error fails the suite rather than waiting for someone to notice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON_TREES = ("gateway", "actors", "contracts", "edge", "tests", "bench")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", *PYTHON_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = run("ruff", "format", "--check", "--no-cache", *PYTHON_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_every_package() -> None:
    # The files and strictness come from [tool.mypy] in pyproject.toml.
    result = run("mypy", "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr
