"""The import rules of DESIGN.md, read from the code: the edge never touches storage, workers talk
only over NATS, protocols and storage import nothing of ours. (import-linter checks most of these
too; this also covers worker-to-worker imports for any number of workers.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nodes", "protocols", "storage", "scheduler")


def imports_of(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


DOMAINS = {p.name for p in (ROOT / "nodes" / "workers").iterdir() if (p / "__init__.py").is_file()}


def domain_of(module: str) -> str | None:
    """`nodes.workers.chat.handlers` -> `chat`; shared worker modules belong to no domain."""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["nodes", "workers"] and len(parts) > 2 and parts[2] in DOMAINS else None


def violations() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for name in imports_of(path):
                top = name.split(".")[0]
                if module.startswith("protocols") and top in ("nodes", "storage", "scheduler"):
                    found.append(f"{module} imports {name}")
                if module.startswith("storage") and top in ("nodes", "protocols", "scheduler"):
                    found.append(f"{module} imports {name}")
                if module.startswith("nodes.edge") and top in ("storage", "scheduler") or (
                    module.startswith("nodes.edge") and name.startswith("nodes.workers")
                ):
                    found.append(f"{module} imports {name}")
                if module.startswith("nodes.workers") and (name.startswith("nodes.edge") or top == "scheduler"):
                    found.append(f"{module} imports {name}")
                mine, theirs = domain_of(module), domain_of(name)
                if mine and theirs and mine != theirs:
                    found.append(f"{module} imports another worker: {name}")
                if module.startswith("nodes.runtime") and (top in ("storage", "scheduler") or name.startswith(("nodes.edge", "nodes.workers"))):
                    found.append(f"{module} imports {name}")
                if module.startswith("scheduler") and (top == "storage" or name.startswith(("nodes.edge", "nodes.workers"))):
                    found.append(f"{module} imports {name}")
    return found


def test_the_layout_import_rules_hold() -> None:
    assert violations() == []
