"""Running the schemathesis CLI against a live edge, from a test, with a generated config file.

The CLI runs in a child process: it uses the second core while the cluster answers on this one, and
its report (each failure with a `curl` line to reproduce it) is what a developer reads on failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ST = str(Path(sys.executable).with_name("st"))

# What the issue asks of every answer: no 5xx, and status, content type, headers and body as documented.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def toml(settings: dict[str, Any], operations: list[dict[str, Any]]) -> str:
    """A config file: top-level keys (nested tables written inline), then one `[[operations]]` each."""
    lines = [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    for operation in operations:
        lines.append("[[operations]]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in operation.items())
    return "\n".join(lines) + "\n"


@dataclass
class FuzzPass:
    """One run of the CLI: what it generates, for which operations, sending which headers."""

    name: str
    max_examples: int
    phases: tuple[str, ...]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # operationId -> headers
    streams: tuple[str, ...] = ()  # operationIds answering an endless event stream
    only: tuple[str, ...] = ()  # operationIds; all when empty

    def config(self) -> str:
        settings: dict[str, Any] = {
            "workers": 1,
            "color": False,
            # An event stream never ends: its first event is enough to check status and content type.
            "max-stream-events": 1,
            "request-timeout": 10,
            "generation": {"deterministic": True, "max-examples": self.max_examples},
            "phases": {phase: {"enabled": phase in self.phases} for phase in PHASES},
            # The accounts are the test's: schemathesis must not sign up one of its own and use it.
            "auth": {"auto-signup": False},
        }
        operations: dict[str, dict[str, Any]] = {}
        for operation_id, headers in self.headers.items():
            operations.setdefault(operation_id, {})["headers"] = headers
        for operation_id in self.streams:
            # A stream that has nothing to say (an answer not yet written) is read this long, then
            # cut short without a failure; other requests keep the longer timeout above.
            operations.setdefault(operation_id, {})["request-timeout"] = STREAM_READ_S
        return toml(
            settings,
            [
                {"include-operation-id": operation_id, **table}
                for operation_id, table in sorted(operations.items())
            ],
        )

    def arguments(self) -> list[str]:
        selected = [arg for operation_id in self.only for arg in ("--include-operation-id", operation_id)]
        return ["--checks", ",".join(CHECKS), *selected]


PHASES = ("examples", "coverage", "fuzzing", "stateful")
STREAM_READ_S = 1.0


async def run(fuzz: FuzzPass, schema_url: str, workdir: Path) -> tuple[int, str]:
    """The CLI's exit code and its report."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(fuzz.config())
    process = await asyncio.create_subprocess_exec(
        ST,
        "--config-file",
        str(config),
        "run",
        schema_url,
        *fuzz.arguments(),
        cwd=workdir,  # the CLI keeps a cache directory where it runs
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")
