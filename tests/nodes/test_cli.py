"""The `souk` command as an operator runs it."""

from __future__ import annotations

import argparse
import re
from importlib.metadata import version
from pathlib import Path

import aiohttp
import pytest

from nodes.cli import parser
from nodes.workers import KNOWN_DOMAINS
from storage.migrate import head_revision
from tests.nodes.souk_command import processes_mentioning, souk, souk_env, souk_run


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_create_admin_then_refuses_a_duplicate(database_url: str, tmp_path: Path) -> None:
    env = souk_env(SOUK_DATABASE_URL=database_url, SOUK_ADMIN_PASSWORD="correct horse battery")
    first = souk("users", "create-admin", "--email", "Root@Example.com", env=env)
    assert first.returncode == 0, first.stderr
    assert "admin Root@Example.com created" in first.stdout
    again = souk("users", "create-admin", "--email", "root@example.com", env=env)
    assert again.returncode != 0
    assert "Email already exists" in again.stderr
    assert "correct horse" not in first.stderr + first.stdout + again.stderr  # no secrets in logs


def test_separate_processes_need_a_shared_nats() -> None:
    result = souk("edge", env=souk_env())
    assert result.returncode == 2 and "SOUK_NATS_URL" in one_line(result.stderr)


async def test_run_on_the_port_given_then_ctrl_c_stops_it_cleanly(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the bundled nats-server must not take it
    and go before the workers drained through it (tracebacks, exit status 1)."""
    var_dir = tmp_path / "var"
    async with souk_run(var_dir) as run:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{run.url}/health") as resp:
                assert resp.status == 200 and (await resp.json())["status"] == "ok"
            async with http.get(f"{run.url}/docs") as resp:
                assert resp.status == 200 and "swagger" in (await resp.text()).lower()
        status = await run.interrupt()
    output = run.output()
    assert status == 0, output
    assert "Traceback" not in output and " ERROR " not in output and "nats error" not in output, output
    assert processes_mentioning(str(var_dir / "nats")) == []  # the bundled nats-server went with it


def test_version() -> None:
    result = souk("--version", env=souk_env())
    assert result.returncode == 0 and result.stdout.strip() == f"souk {version('souk')}"


def _commands(
    node: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand the parser declares, with its own parser."""
    found = [(path, node)]
    for action in node._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, (*path, name))
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_help_gives_every_option_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The parser `souk` runs, asked in this process (a process per command took 20 s of the suite;
    # test_version and the others run the real command).
    monkeypatch.setenv("COLUMNS", "1000")  # one line per entry: nothing hyphenated across lines
    for path, node in _commands(parser()):
        with pytest.raises(SystemExit) as exited:
            parser().parse_args([*path, "--help"])
        assert exited.value.code == 0
        shown = _flat(capsys.readouterr().out)
        for action in node._actions:
            if isinstance(action, argparse._SubParsersAction):
                described = [(choice.dest, choice.help) for choice in action._choices_actions]
            else:
                described = [(action.dest, action.help)]
            for name, text in described:
                assert text and _flat(text) in shown, f"souk {' '.join(path)}: {name}"


def test_worker_help_lists_the_domains_and_an_unknown_one_is_refused() -> None:
    env = souk_env()
    shown = souk("worker", "--help", env=env).stdout
    assert all(domain in shown for domain in KNOWN_DOMAINS)
    refused = souk("worker", "chta", env=env)
    assert refused.returncode == 2
    line = one_line(refused.stderr)
    assert "'chta'" in line and all(domain in line for domain in KNOWN_DOMAINS)


def test_a_bad_option_value_is_refused_in_one_line() -> None:
    refused = souk("run", "--port", "eighty", env=souk_env())
    assert refused.returncode == 2 and "'eighty'" in one_line(refused.stderr)


def _current(env: dict[str, str]) -> str:
    result = souk("migrate", "current", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_migrate_current_downgrade_and_back_to_the_newest(migrated_database_url: str, tmp_path: Path) -> None:
    # From empty to the newest is tests/storage/test_migrations.py's (through the same `upgrade`).
    empty = souk_env(SOUK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert _current(empty).startswith("none")
    env = souk_env(SOUK_DATABASE_URL=migrated_database_url)
    head = head_revision()
    # Each `souk` is a process of ~2 s, so the steps are few: the newest's `current` is the last.
    stepped = souk("migrate", "downgrade", "-1", env=env)
    assert stepped.returncode == 0, stepped.stderr
    current = _current(env)
    previous = current.split()[0]
    assert re.fullmatch(r"\d{4}", previous) and previous < head
    assert f"the newest is {head}" in current

    refused = souk("migrate", "downgrade", "no-such-revision", env=env)
    assert refused.returncode == 2 and "no-such-revision" in one_line(refused.stderr)

    assert souk("migrate", env=env).returncode == 0  # plain `migrate` still goes all the way up
    assert _current(env) == f"{head} (the newest)"
