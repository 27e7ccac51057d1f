"""Every kind of mistake is refused with the path of the key to fix and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import ConfigError
from gateway.config import InvalidConfig, load_config
from tests.unit.gateway.test_config_support import BASE, replace, write_config

PARTNER_C = """
[[partners]]
id = "c"
role = "marketplace"
formats = ["csv"]
channels = [{ type = "none" }]
"""


def problems_of(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text), environ={})
    return [(p.path, p.message) for p in caught.value.problems]


def only_problem(tmp_path: Path, text: str) -> tuple[str, str]:
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    return problems[0]


# (what the mistake is, old text, new text, expected path, words the message must contain)
CASES = [
    (
        "unknown key",
        'name = "test-gw"',
        'nmae = "test-gw"',
        "$.gateway.nmae",
        ["unknown key 'nmae'", "did you mean 'name'", "state_dir"],
    ),
    (
        "unknown key in a partner's table",
        'username = "cd" }',
        'username = "cd", prot = 22 }',
        "$.partners[1].channels[0].prot",
        ["did you mean 'port'"],
    ),
    (
        "wrong type",
        'database = "db"',
        'database = "db"\ntimeout = "fast"',
        "$.odoo.timeout",
        ["seconds", "got 'fast'"],
    ),
    (
        "boolean where a number goes",
        'database = "db"',
        'database = "db"\nmax_connections = true',
        "$.odoo.max_connections",
        ["whole number", "got true"],
    ),
    (
        "constraint violation",
        'username = "cd" }]',
        'username = "cd" }]\nbreaker = { cooldown = -1 }',
        "$.partners[1].breaker.cooldown",
        ["greater than 0", "got -1"],
    ),
    (
        "slug constraint",
        'id = "acme"',
        'id = "Acme Corp"',
        "$.partners[0].id",
        ["slug", "got 'Acme Corp'"],
    ),
    (
        "value outside a fixed set",
        'protocol = "jsonrpc"',
        'protocol = "xmlrpc"',
        "$.odoo.protocol",
        ["'xmlrpc'", "'json2'", "'jsonrpc'", "'auto'"],
    ),
    (
        "unknown channel type",
        'channels = [{ type = "sftp-drop" }]',
        'channels = [{ type = "ftp" }]',
        "$.partners[0].channels[0].type",
        ["'ftp'", "'sftp-drop'", "'webhook'", "'none'"],
    ),
    (
        "missing required key",
        'database = "db"\n',
        "",
        "$.odoo.database",
        ["required key 'database' is missing"],
    ),
    (
        "string -> string mapping table",
        'formats = ["edifact"]',
        'formats = ["edifact"]\nmapping = { units = { PCE = "Units", KGM = 1 } }',
        "$.partners[0].mapping.units.KGM",
        ["expected a string", "got 1"],
    ),
    (
        "unknown top-level table",
        "[admin]",
        "[admn]",
        "$.admn",
        ["unknown top-level key", "admin"],
    ),
    (
        "login is required for JSON-RPC",
        'login = "admin"\n',
        "",
        "$.odoo.login",
        ["jsonrpc"],
    ),
    (
        "unparseable bind address",
        'bind = "127.0.0.1:8080"',
        'bind = "::1:8080"',
        "$.admin.bind",
        ["[::1]:8080"],
    ),
    (
        "non-loopback bind is an explicit choice",
        'bind = "127.0.0.1:8080"',
        'bind = "0.0.0.0:8080"',
        "$.admin.bind",
        ["allow_remote = true"],
    ),
    (
        "duplicate token names",
        'name = "operator"',
        'name = "reader"',
        "$.admin.tokens[1].name",
        ["duplicate token name 'reader'", "$.admin.tokens[0]"],
    ),
    (
        "odoo url",
        "http://127.0.0.1:8069/",
        "127.0.0.1:8069",
        "$.odoo.url",
        ["http:// or https://"],
    ),
    (
        "edifact partner without an edifact identifier",
        'identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }] }',
        "",
        "$.partners[0].identifiers.edifact",
        ["uses edifact"],
    ),
    (
        "GLN check digit",
        'qualifier = "14" }] }',
        'qualifier = "14" }], gln = ["4012345000008"] }',
        "$.partners[0].identifiers.gln[0]",
        ["check digit"],
    ),
    (
        "'none' with another channel",
        'channels = [{ type = "sftp-drop" }]',
        'channels = [{ type = "sftp-drop" }, { type = "none" }]',
        "$.partners[0].channels[1]",
        ["'none'"],
    ),
    (
        "reserved partner id",
        'id = "acme"',
        'id = "odoo"',
        "$.partners[0].id",
        ["reserved"],
    ),
    (
        "retry cap below its first delay",
        'login = "admin"',
        'login = "admin"\nretry = { initial = 10, cap = 5 }',
        "$.odoo.retry.cap",
        ["at least retry.initial"],
    ),
    (
        "rescuer horizon inside a call timeout",
        "[admin]",
        "[store]\nrescuer_horizon = 10\n\n[admin]",
        "$.store.rescuer_horizon",
        ["odoo.timeout"],
    ),
    (
        "more concurrency than connections",
        'login = "admin"',
        'login = "admin"\nmax_connections = 2\ndelivery_concurrency = 3',
        "$.odoo.delivery_concurrency",
        ["max_connections is 2"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_mistake_names_its_path(
    tmp_path: Path, old: str, new: str, path: str, words: list[str]
) -> None:
    got_path, message = only_problem(tmp_path, replace(BASE, old, new))
    assert got_path == path, message
    for word in words:
        assert word in message, (word, message)


def test_duplicate_partner_id(tmp_path: Path) -> None:
    text = BASE + replace(PARTNER_C, 'id = "c"', 'id = "acme"')
    assert only_problem(tmp_path, text) == (
        "$.partners[2].id",
        "duplicate partner id 'acme' (first at $.partners[0])",
    )


@pytest.mark.parametrize(
    ("identifiers", "path"),
    [
        ('{ x12 = [{ qualifier = "ZZ", id = "NW3PL" }] }', "$.partners[2].identifiers.x12[0]"),
        (
            '{ edifact = [{ id = "4012345000009", qualifier = "14" }] }',
            "$.partners[2].identifiers.edifact[0]",
        ),
    ],
)
def test_an_identifier_routes_to_one_partner_only(
    tmp_path: Path, identifiers: str, path: str
) -> None:
    text = BASE + PARTNER_C + f"identifiers = {identifiers}\n"
    got_path, message = only_problem(tmp_path, text)
    assert got_path == path
    assert "already used at $.partners[" in message


def test_partners_must_be_an_array_of_tables(tmp_path: Path) -> None:
    text = BASE[: BASE.index("[[partners]]")] + '[partners]\nid = "acme"\n'
    assert only_problem(tmp_path, text) == (
        "$.partners",
        "expected an array of tables: [[partners]]",
    )


def test_missing_odoo_table(tmp_path: Path) -> None:
    start = BASE.index("[odoo]")
    text = BASE[:start] + BASE[BASE.index("[[partners]]") :]
    path, message = only_problem(tmp_path, text)
    assert path == "$.odoo"
    assert "[odoo] is missing" in message


def test_toml_syntax_error_carries_line_and_column(tmp_path: Path) -> None:
    text = replace(BASE, "[admin]", "[admin")
    line = text.splitlines().index("[admin") + 1
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text), environ={})
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (line, 7)
    assert "TOML syntax error" in problem.message
    assert str(problem) == f"{tmp_path / 'crossdock.toml'}:{line}:7: {problem.message}"


def test_toml_error_at_the_end_of_the_document_points_there(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, BASE + "x = "), environ={})
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (len(BASE.splitlines()) + 1, 5)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = replace(BASE, 'name = "test-gw"', 'nmae = "test-gw"')
    text = replace(text, 'name = "operator"', 'name = "reader"')
    text = replace(text, 'login = "admin"\n', "")
    text = replace(text, 'username = "cd" }]', 'username = "cd" }]\nbreaker = { cooldown = 0 }')
    text += replace(PARTNER_C, 'id = "c"', 'id = "acme"')
    text = replace(text, 'file = "secrets/odoo.key"', 'file = "secrets/missing.key"')
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text), environ={})
    assert [p.path for p in caught.value.problems] == [
        "$.gateway.nmae",
        "$.admin.tokens[1].name",
        "$.odoo.api_key",
        "$.odoo.login",
        "$.partners[1].breaker.cooldown",
        "$.partners[2].id",
    ]


def test_the_error_is_a_config_error_naming_file_and_first_path(tmp_path: Path) -> None:
    text = replace(BASE, 'protocol = "jsonrpc"', 'protocol = "soap"')
    text = replace(text, 'id = "acme"', 'id = "ACME"')
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    error = caught.value
    assert isinstance(error, InvalidConfig)
    assert (error.file, error.path) == (str(path), "$.odoo.protocol")
    shown = str(error)
    assert shown.startswith(f"{path}: 2 problems:")
    assert "  $.odoo.protocol: invalid value 'soap'" in shown
    assert "  $.partners[0].id: expected a slug" in shown


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig) as caught:
        load_config(tmp_path / "nope.toml", environ={})
    assert "cannot read" in caught.value.problems[0].message


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[gateway]\nname = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InvalidConfig) as caught:
        load_config(path, environ={})
    assert "not UTF-8" in caught.value.problems[0].message
