"""Settings: the file lists every setting, the environment overrides it, bad values are refused."""

from __future__ import annotations

import tomllib
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from nodes.runtime.settings import DEFAULT_CONFIG, Settings, SettingsError, load_settings


def test_default_toml_lists_every_setting_with_its_default() -> None:
    with DEFAULT_CONFIG.open("rb") as fh:
        on_file = tomllib.load(fh)
    defaults = Settings()
    for section in fields(Settings):
        declared = {f.name for f in fields(getattr(defaults, section.name))}
        assert set(on_file[section.name]) == declared, section.name
        for name in declared:
            value = getattr(getattr(defaults, section.name), name)
            expected = list(value) if isinstance(value, tuple) else value
            assert on_file[section.name][name] == expected, f"{section.name}.{name}"


def test_environment_overrides_with_the_settings_type() -> None:
    settings = load_settings(
        environ={
            "SOUK_NATS_URL": "nats://10.0.0.1:4222",
            "SOUK_EDGE_PORT": "8100",
            "SOUK_EDGE_CORS_ORIGINS": "https://a.example, https://b.example",
            "SOUK_DATABASE_ECHO": "true",
            "SOUK_NATS_REQUEST_TIMEOUT": "2.5",
        }
    )
    assert settings.nats.url == "nats://10.0.0.1:4222"
    assert settings.edge.port == 8100
    assert settings.edge.cors_origins == ("https://a.example", "https://b.example")
    assert settings.database.echo is True
    assert settings.nats.request_timeout == 2.5


def test_settings_are_frozen() -> None:
    settings = load_settings(environ={})
    with pytest.raises(FrozenInstanceError):
        settings.edge.port = 1  # type: ignore[misc]


def test_bad_values_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        load_settings(environ={"SOUK_EDGE_PORT": "eighty"})
    config = tmp_path / "x.toml"
    config.write_text("[edge]\nprot = 1\n")
    with pytest.raises(SettingsError):
        load_settings(config_file=config, environ={})


def test_the_production_example_is_a_valid_settings_file() -> None:
    settings = load_settings(config_file=DEFAULT_CONFIG.with_name("production.example.toml"), environ={})
    assert settings.database.url.startswith("postgresql://")
    assert settings.nats.url.count("nats://") == 3


def test_values_are_read_strictly_and_choices_in_any_case() -> None:
    read = load_settings(
        environ={"SOUK_DATABASE_ECHO": "off", "SOUK_LOG_LEVEL": "debug", "SOUK_AUTH_ALGORITHMS": '["EdDSA"]'}
    )
    assert (read.database.echo, read.log.level, read.auth.algorithms) == (False, "DEBUG", ("EdDSA",))
    for variable, value in [
        ("SOUK_DATABASE_ECHO", "ture"),  # was read as false
        ("SOUK_EDGE_PORT", "70000"),
        ("SOUK_NATS_REPLICAS", "0"),
        ("SOUK_NATS_REQUEST_TIMEOUT", "-1"),
        ("SOUK_APP_EVENT_LOOP", "trio"),
    ]:
        with pytest.raises(SettingsError, match=variable):
            load_settings(environ={variable: value})


def test_souk_variables_that_are_not_settings(tmp_path: Path) -> None:
    """The settings file, the admin's password and the test suite's own are no typos."""
    config = tmp_path / "x.toml"
    config.write_text("[nats]\nrequest_timeout = 3\n")  # an integer stands for a float
    settings = load_settings(
        environ={"SOUK_CONFIG": str(config), "SOUK_ADMIN_PASSWORD": "x", "SOUK_TEST_POSTGRES_URL": "x"}
    )
    assert settings.nats.request_timeout == 3.0
    with pytest.raises(SettingsError, match="SOUK_NATS_URLS"):
        load_settings(environ={"SOUK_NATS_URLS": "nats://a:4222"})
