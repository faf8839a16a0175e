"""The layout and import rules of DESIGN.md, read from the code: the edge never touches storage, workers
talk only over NATS, protocols and storage import nothing of ours, and each contract's surface is a
package of the same file names that imports no other contract's. (import-linter checks most of these
too; this also covers worker-to-worker and surface-to-surface imports for any number of them.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nodes", "protocols", "storage", "scheduler")


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


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
            module = module_of(path)
            for name in imports_of(path):
                top = name.split(".")[0]
                if module.startswith("protocols") and top in ("nodes", "storage", "scheduler"):
                    found.append(f"{module} imports {name}")
                if module.startswith("storage") and top in ("nodes", "protocols", "scheduler"):
                    found.append(f"{module} imports {name}")
                if (
                    module.startswith("nodes.edge")
                    and top in ("storage", "scheduler")
                    or (module.startswith("nodes.edge") and name.startswith("nodes.workers"))
                ):
                    found.append(f"{module} imports {name}")
                if module.startswith("nodes.workers") and (
                    name.startswith("nodes.edge") or top == "scheduler"
                ):
                    found.append(f"{module} imports {name}")
                mine, theirs = domain_of(module), domain_of(name)
                if mine and theirs and mine != theirs:
                    found.append(f"{module} imports another worker: {name}")
                if module.startswith("nodes.runtime") and (
                    top in ("storage", "scheduler") or name.startswith(("nodes.edge", "nodes.workers"))
                ):
                    found.append(f"{module} imports {name}")
                if module.startswith("scheduler") and (
                    top == "storage" or name.startswith(("nodes.edge", "nodes.workers"))
                ):
                    found.append(f"{module} imports {name}")
    return found


def test_the_layout_import_rules_hold() -> None:
    assert violations() == []


# --- the contracts' surfaces -----------------------------------------------------------------------

SURFACES = ROOT / "nodes" / "edge" / "surfaces"
SURFACE_FILES = ("__init__.py", "errors.py", "shapes.py", "identity.py", "chat.py", "ws.py")
# Car advisor's document has no WebSocket: its live endpoint is the answer stream (stream.py).
NOT_IN_ITS_DOCUMENT = {"advisor": {"ws.py"}}


def surface_packages() -> list[Path]:
    return sorted(p for p in SURFACES.iterdir() if (p / "__init__.py").is_file())


def resolved_imports(path: Path) -> list[str]:
    """What a module imports, relative imports resolved, and `from a import b` as `a.b` too (b may be
    a module)."""
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return names


def surface_of(module: str) -> str | None:
    """`nodes.edge.surfaces.autos.chat` -> `autos`; the surfaces' registry belongs to none."""
    parts = module.split(".")
    return parts[3] if parts[:3] == ["nodes", "edge", "surfaces"] and len(parts) > 3 else None


def test_every_surface_is_a_package_of_the_same_file_names() -> None:
    assert [p.name for p in SURFACES.glob("*.py")] == ["__init__.py"]  # no modules beside the packages
    missing = {
        package.name: [
            name
            for name in SURFACE_FILES
            if name not in NOT_IN_ITS_DOCUMENT.get(package.name, set()) and not (package / name).is_file()
        ]
        for package in surface_packages()
    }
    assert surface_packages()
    assert {name: files for name, files in missing.items() if files} == {}


def test_no_surface_imports_another() -> None:
    found = []
    for path in sorted(SURFACES.rglob("*.py")):
        mine = surface_of(module_of(path))
        for name in resolved_imports(path):
            theirs = surface_of(name)
            if mine and theirs and mine != theirs:
                found.append(f"{module_of(path)} imports {name}")
    assert found == []


# --- the worker domains ----------------------------------------------------------------------------

WORKERS = ROOT / "nodes" / "workers"
WORKER_FILES = ("__init__.py", "deps.py", "handlers.py")
# Domains whose state lives in NATS KV only: no tables, so no queries.py.
WITHOUT_TABLES = {"presence"}
# Statement builders belong in queries.py (chat's batch writer keeps its tuned SQL in statements.py; a
# large domain may split its SQL by group of commands, as `<group>_queries.py`).
SQL_BUILDERS = {"select", "insert", "update", "delete"}
SQL_MODULES = {"queries.py", "statements.py"}
SQL_MODULE_SUFFIX = "_queries.py"


def test_every_worker_is_a_package_of_the_same_file_names() -> None:
    missing = {}
    for domain in sorted(DOMAINS):
        package = WORKERS / domain
        wanted = [*WORKER_FILES, *(() if domain in WITHOUT_TABLES else ("queries.py",))]
        missing[domain] = [name for name in wanted if not (package / name).is_file()]
    assert DOMAINS
    assert {domain: files for domain, files in missing.items() if files} == {}


def test_a_workers_handlers_module_is_the_registry_and_its_sql_is_in_queries() -> None:
    found = []
    for domain in sorted(DOMAINS):
        for path in sorted((WORKERS / domain).glob("*.py")):
            source = path.read_text(encoding="utf-8")
            if path.name == "handlers.py" and "@handlers.on(" in source:
                found.append(f"{module_of(path)} registers handlers: they belong in a command module")
            if path.name in SQL_MODULES or path.name.endswith(SQL_MODULE_SUFFIX):
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sqlalchemy"):
                    builders = SQL_BUILDERS & {alias.name for alias in node.names}
                    if builders:
                        found.append(
                            f"{module_of(path)} builds SQL ({', '.join(sorted(builders))}): queries.py"
                        )
    assert found == []
