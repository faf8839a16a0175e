"""The field types of protocols/fields.py: every length limit is written there once, and the commands
and the contracts' requests use the same types, read from the code; and what those types refuse."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from protocols.chat import ListConversations, ListMessages
from protocols.envelope import Message
from protocols.fields import INT32_MAX
from protocols.identity import ListUsers
from protocols.notify import ListNotifications

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ROOT / "protocols" / "fields.py"
SCANNED = ("protocols", "nodes", "scheduler")
LIMITS = {"max_length", "min_length"}
LIMIT_CALLS = {"MaxLen", "MinLen", "Len"}  # annotated_types' spelling of the same limits

# Limits a contract's document gives for its own fields, narrower than the platform's type: (module
# path, field) -> where the document says so. None so far: the documents' limits that the surfaces
# keep (FreeMarket's one to three locations, page sizes of at most 100) are the platform's own types,
# and Car advisor's `per_page` of at most 50 is a range (`le=`), not a length.
CONTRACT_OWN: dict[tuple[str, str], str] = {}


def _is_limit(node: ast.AST) -> bool:
    if isinstance(node, ast.keyword):
        return node.arg in LIMITS
    if isinstance(node, ast.Call):
        callee = node.func
        name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
        return name in LIMIT_CALLS
    return False


def _target(statement: ast.Assign | ast.AnnAssign) -> str:
    target = statement.target if isinstance(statement, ast.AnnAssign) else statement.targets[0]
    return ast.unparse(target)


def limits_in(source: str, where: str) -> list[tuple[str, str, int]]:
    """(`where`, what is limited, line) of every length limit written in `source`: the field or name
    it is assigned to, else `line N`."""
    tree = ast.parse(source)
    found: dict[int, tuple[str, str, int]] = {}
    for node in ast.walk(tree):
        if _is_limit(node):
            line = node.lineno  # type: ignore[attr-defined]
            found[id(node)] = (where, f"line {line}", line)
    for statement in ast.walk(tree):
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            for node in ast.walk(statement.value):
                if id(node) in found:
                    found[id(node)] = (where, _target(statement), found[id(node)][2])
    return sorted(found.values(), key=lambda hit: hit[2])


def written_limits() -> list[tuple[str, str, int]]:
    paths = (p for package in SCANNED for p in sorted((ROOT / package).rglob("*.py")) if p != FIELDS)
    return [
        hit
        for path in paths
        for hit in limits_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    ]


def test_length_limits_are_written_only_in_protocols_fields() -> None:
    stray = [
        f"{path}:{line} {name}" for path, name, line in written_limits() if (path, name) not in CONTRACT_OWN
    ]
    assert not stray, (
        "use (or add) a type of protocols/fields.py; a limit that a contract's document gives its own"
        " field goes in CONTRACT_OWN, with where the document says so:\n" + "\n".join(stray)
    )


def test_every_contract_own_limit_is_still_there() -> None:
    """An entry of CONTRACT_OWN whose limit is gone would let another in silently."""
    written = {(path, name) for path, name, _ in written_limits()}
    assert not CONTRACT_OWN.keys() - written


def test_the_check_finds_limits_however_they_are_spelled() -> None:
    source = (
        "from typing import Annotated\nfrom annotated_types import MaxLen\nfrom pydantic import Field\n"
        "Short = Annotated[str, MaxLen(5)]\n"
        "class M:\n    name: str = Field(default='', max_length=5)\n"
        "def f() -> None:\n    g(min_length=1)\n"
    )
    found = [(name, line) for _, name, line in limits_in(source, "probe.py")]
    assert found == [("Short", 4), ("name", 6), ("line 8", 8)]


# --- what the types refuse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        (ListMessages, {"conversation_id": 1}),
        (ListConversations, {}),
        (ListUsers, {}),
        (ListNotifications, {}),
    ],
)
def test_an_offset_is_never_negative(command: type[Message], fields: dict[str, Any]) -> None:
    """The 32-bit bounds of `Int32` used to override a field's own `ge=0`: a negative offset reached
    the query, which PostgreSQL refuses (a server error). `Offset` keeps both bounds."""
    with pytest.raises(ValidationError) as refused:
        command.model_validate({**fields, "offset": -1})
    assert [e["type"] for e in refused.value.errors()] == ["greater_than_equal"]
    assert command.model_validate({**fields, "offset": INT32_MAX}).model_dump()["offset"] == INT32_MAX
