"""Want-list instances written by ../shared/bench/gen_mathtrade.py (the benchmark's generator)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nodes.workers.matching.engine import ItemGraph, graph_from_wants

GENERATOR = Path(__file__).resolve().parents[5].parent / "shared" / "bench" / "gen_mathtrade.py"
MEDIUM = ["--min-wants", "2", "--max-wants", "10", "--skew", "1.0"]
ARGUMENTS = {
    "medium_n1000": ["--items", "1000", "--seed", "1", *MEDIUM],
    "dense_n1000": ["--items", "1000", "--seed", "1"],
}


@pytest.fixture(scope="session")
def mathtrade(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ItemGraph]:
    """The item graph of a MATCHING.md instance, by name."""
    if not GENERATOR.is_file():
        pytest.skip(f"no instance generator at {GENERATOR}")
    directory = tmp_path_factory.mktemp("mathtrade")

    def graph(name: str) -> ItemGraph:
        path = directory / f"{name}.jsonl"
        if not path.exists():
            command = [sys.executable, str(GENERATOR), *ARGUMENTS[name], "--out", str(directory / name)]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        items = [json.loads(line) for line in path.read_text().splitlines()]
        node = {item["id"]: k for k, item in enumerate(items)}
        return graph_from_wants(
            [int(item["user"][1:]) for item in items],
            [[node[w] for w in item["wants"]] for item in items],
            [int(item["id"][1:]) for item in items],
        )

    return graph
