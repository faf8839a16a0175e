"""What `souk run` writes to its log: an access line per request under the request's id, never a
credential; one JSON object per line when asked; APScheduler's and Alembic's routine at WARNING."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson

from tests.nodes.souk_command import RunningSouk, souk_run

REQUEST_ID = "logs-test-0001"
TOKEN = "eyJ0b2tlbi1pbi1hLWxvZw"
PASSWORD = "correct-horse-in-a-log"


async def _requests(run: RunningSouk) -> None:
    """One request with an id of the client's, bearing credentials in a header and in the query."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{run.url}/health",
            params={"token": TOKEN, "password": PASSWORD, "page": "2"},
            headers={"X-Request-ID": REQUEST_ID, "Authorization": f"Bearer {TOKEN}"},
        ) as response,
    ):
        assert response.status == 200 and response.headers["X-Request-ID"] == REQUEST_ID


async def test_an_access_line_per_request_under_its_id_without_credentials(tmp_path: Path) -> None:
    async with souk_run(tmp_path / "var") as run:
        await _requests(run)
        assert await run.interrupt() == 0
    output = run.output()
    access = [line for line in output.splitlines() if " souk.access " in line and f"[{REQUEST_ID}]" in line]
    assert len(access) == 1 and "GET /health?" in access[0] and " 200 " in access[0], output
    assert "token=***&password=***&page=2" in access[0]
    assert TOKEN not in output and PASSWORD not in output


async def test_json_lines_and_no_routine_chatter_from_libraries(tmp_path: Path) -> None:
    async with souk_run(tmp_path / "var", SOUK_LOG_FORMAT="json") as run:
        await _requests(run)
        assert await run.interrupt() == 0
    entries = [orjson.loads(line) for line in run.output().splitlines()]
    assert entries and all(
        {"time", "level", "logger", "request_id", "message"} <= set(entry) for entry in entries
    )
    access = [e for e in entries if e["logger"] == "souk.access" and e["request_id"] == REQUEST_ID]
    assert len(access) == 1 and access[0]["level"] == "INFO" and "GET /health" in access[0]["message"]
    assert any(e["message"].startswith("database migrated") for e in entries)  # migrations ran...
    chatter = [e for e in entries if e["logger"].startswith(("alembic", "apscheduler"))]
    assert chatter == []  # ...without a line from Alembic, and the scheduler started without one
    assert TOKEN not in run.output() and PASSWORD not in run.output()
