"""The import direction of DESIGN.md: contracts <- edge <- gateway, and actors <- gateway.

``contracts`` and ``actors`` import nothing of ours; ``edge`` imports ``contracts`` only;
``gateway`` may import all. Checked on the source with ``ast``, so a lazy import inside a
function counts as much as one at the top of a module. Only ``edge.sftp`` and the store
adapter in ``gateway.store`` may import asyncio-world libraries.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = {"gateway", "actors", "contracts", "edge"}
ALLOWED = {
    "contracts": {"contracts"},
    "actors": {"actors"},
    "edge": {"contracts", "edge"},
    "gateway": {"contracts", "edge", "actors", "gateway"},
}
ASYNCIO_WORLD = {"asyncio", "aiosqlite", "asyncssh", "trio_asyncio"}
ASYNCIO_ALLOWED = ("edge/sftp/", "gateway/store/", "gateway/bridge.py")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def sources(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_go_one_way(package: str) -> None:
    assert sources(package), f"{package}/ has no Python sources"
    violations = []
    for path in sources(package):
        for lineno, module in imported_modules(path):
            top = module.split(".")[0]
            if top in OURS and top not in ALLOWED[package]:
                violations.append(f"{path.relative_to(REPO)}:{lineno} imports {module}")
    assert not violations, "\n".join(violations)


def test_only_the_adapters_touch_asyncio() -> None:
    violations = []
    for package in sorted(ALLOWED):
        for path in sources(package):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith(ASYNCIO_ALLOWED):
                continue
            for lineno, module in imported_modules(path):
                if module.split(".")[0] in ASYNCIO_WORLD:
                    violations.append(f"{rel}:{lineno} imports {module}")
    assert not violations, "\n".join(violations)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from gateway.store import Store\n", encoding="utf-8")
    assert imported_modules(bad) == [(2, "gateway.store")]
