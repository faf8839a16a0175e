"""A setting souk cannot use stops it at once: exit status 2 and one line on stderr naming the
variable or the file, and what it expects; no traceback, and never silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.nodes.souk_command import souk, souk_env

# name: (the settings file's text or None for none, variables, what the one line must say)
CASES: dict[str, tuple[str | None, dict[str, str], tuple[str, ...]]] = {
    "a bad value": (
        None,
        {"SOUK_EDGE_PORT": "abc"},
        ("SOUK_EDGE_PORT", "edge.port", "whole number", "'abc'"),
    ),
    "a bad value in the file": ('[edge]\nport = "80"\n', {}, ("settings.toml", "edge.port", "whole number")),
    "an unknown key in the file": ("[edge]\nprot = 8000\n", {}, ("settings.toml", "prot", "[edge]", "port?")),
    "a TOML syntax error": ("[edge\nport = 8000\n", {}, ("settings.toml", "not valid TOML", "line 1")),
    "a misspelt variable": (None, {"SOUK_EDGE_PROT": "8000"}, ("SOUK_EDGE_PROT", "SOUK_EDGE_PORT?")),
    "an unknown choice": (None, {"SOUK_LOG_FORMAT": "xml"}, ("SOUK_LOG_FORMAT", "text or json")),
}


@pytest.mark.parametrize("case", CASES)
def test_a_setting_souk_cannot_use_is_one_line_and_exit_status_2(case: str, tmp_path: Path) -> None:
    text, variables, said = CASES[case]
    if text is not None:
        (tmp_path / "settings.toml").write_text(text)
        variables = {**variables, "SOUK_CONFIG": str(tmp_path / "settings.toml")}
    result = souk("edge", env=souk_env(**variables))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(part in lines[0] for part in said), lines[0]


def test_a_missing_settings_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = souk("edge", env=souk_env(SOUK_CONFIG=str(missing)))
    assert result.returncode == 2
    assert result.stderr.strip() == f"souk: SOUK_CONFIG={missing}: no such settings file"
