"""Property-based fuzzing of every HTTP operation the edge documents at `/openapi.json` (issue 11),
on SQLite and PostgreSQL: no 5xx, and every answer's status, content type, headers and body as the
document says, errors included.

Passes over one cluster: every operation signed in (an account of its own per operation, since some
end their session or account; the streams and sockets read the token too), then those that refuse
some users (403) with a staff token, and the secured ones with no token (schemathesis then makes up
credentials) and with a well-formed token signed by a key no edge knows. On PostgreSQL only the
signed-in pass runs, its examples only: the rest tests who may call what, the edge's refusal of random
input and boundary values, and linked calls' logic, which no database changes (the one boundary that
is PostgreSQL's, ids past its 32-bit columns, has its own test in test_found.py). A failure prints the
schemathesis report, with a `curl` line per failing case.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from storage.engine import is_sqlite
from tests.conftest import Cluster
from tests.support.http import bearer, json_of
from tests.support.tokens import Signer

from .schemathesis_cli import FuzzPass, run

Edge = TestClient[web.Request, web.Application]

PASSWORD = "FuzzPass123!"
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
ON_POSTGRES = ("examples",)
SIGNED_IN = "signed-in"  # the pass that reaches the database everywhere; the others test who may call


async def sign_up(edge: Edge, email: str) -> tuple[int, str]:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    body = await json_of(resp, 201)
    return body["user"]["id"], body["access_token"]


def operation_ids(doc: dict[str, Any], *, secured: bool = False, refusing: str | None = None) -> list[str]:
    return [
        op["operationId"]
        for ops in doc["paths"].values()
        for op in ops.values()
        if (op.get("security") or not secured) and (refusing is None or refusing in op["responses"])
    ]


def streams(doc: dict[str, Any]) -> tuple[str, ...]:
    """The Server-Sent Events endpoints (the document does not yet name their media type)."""
    return tuple(ops["get"]["operationId"] for path, ops in doc["paths"].items() if path.endswith("/stream"))


async def accounts(edge: Edge, operations: list[str], kind: str) -> dict[str, tuple[int, str]]:
    """An account per operation, a few sign-ups at a time (each costs a password hash)."""
    hashing = asyncio.Semaphore(4)

    async def one(op: str) -> tuple[int, str]:
        async with hashing:
            return await sign_up(edge, f"{kind}.{op}@fuzz.example.com")

    signed = await asyncio.gather(*(one(op) for op in operations))
    return dict(zip(operations, signed))


def passes(
    cluster: Cluster,
    users: dict[str, tuple[int, str]],
    staff: dict[str, tuple[int, str]],
    secured: list[str],
    sse: tuple[str, ...],
) -> list[FuzzPass]:
    stranger = Signer.generate()  # never published: its tokens are well-formed and refused
    return [
        FuzzPass(
            SIGNED_IN,
            max_examples=2,  # every operation of five contracts: 2 keeps the suite inside its budget
            phases=ALL_PHASES,
            headers={op: bearer(token) for op, (_, token) in users.items()},
            streams=sse,
        ),
        FuzzPass(
            "staff",
            max_examples=5,
            phases=("fuzzing",),
            headers={op: bearer(cluster.signer.token(uid, role="admin")) for op, (uid, _) in staff.items()},
            only=tuple(staff),
            streams=sse,
        ),
        # The coverage phase leaves out or makes up the credentials systematically; random cases of the
        # same operations are the forged-token pass's (its random phase here took 20 s more).
        FuzzPass("anonymous", max_examples=3, phases=("coverage",), only=tuple(secured)),
        FuzzPass(
            "forged-token",
            max_examples=3,
            phases=("fuzzing",),
            headers={op: bearer(stranger.token(users[op][0])) for op in secured},
            only=tuple(secured),
        ),
    ]


@pytest.mark.timeout(300)
async def test_every_operation_answers_as_its_document_says(cluster: Cluster, tmp_path: Any) -> None:
    edge = cluster.edge_a
    doc = await json_of(await edge.get("/openapi.json"), 200)
    users = await accounts(edge, operation_ids(doc), "user")
    staff = await accounts(edge, operation_ids(doc, secured=True, refusing="403"), "staff")
    schema_url = str(edge.make_url("/openapi.json"))
    reports = []
    fuzzes = passes(cluster, users, staff, operation_ids(doc, secured=True), streams(doc))
    if not is_sqlite(cluster.settings.database.url):
        # Who may call what does not depend on the database, nor does the edge's refusal of random
        # input or of boundary values: on PostgreSQL the signed-in pass's examples, which reach its
        # tables (ids past a 32-bit column, PostgreSQL's alone, are test_found.py's). Linked calls
        # (the stateful phase) run on SQLite: each contract's flows run on PostgreSQL in their own tests.
        fuzzes = [replace(fuzz, phases=ON_POSTGRES) for fuzz in fuzzes if fuzz.name == SIGNED_IN]
    for fuzz in fuzzes:
        started = time.monotonic()
        code, report = await run(fuzz, schema_url, tmp_path / fuzz.name)
        print(f"pass {fuzz.name}: exit {code} in {time.monotonic() - started:.1f}s")
        if code != 0:
            reports.append(f"=== pass {fuzz.name!r}: schemathesis exited {code}\n{report}")
    assert not reports, "\n".join(reports)
