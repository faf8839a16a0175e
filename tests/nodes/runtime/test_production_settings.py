"""Production refuses the console mail and SMS backends (issue 11, item 8): they write every message
to the log, live reset and verification links and sign-in codes included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nodes.runtime.settings import DEFAULT_CONFIG, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[3]
PRODUCTION_EXAMPLE = DEFAULT_CONFIG.with_name("production.example.toml")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SOUK_SMS_BACKEND": "http", "SOUK_SMS_HTTP_URL": "https://sms.example/send"}, "mail.backend"),
        ({"SOUK_MAIL_BACKEND": "smtp"}, "sms.backend"),
    ],
)
def test_a_console_backend_in_production_is_refused(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={"SOUK_APP_ENVIRONMENT": "production", **overrides})
    message = str(refused.value)
    assert named in message and '"console"' in message and "production" in message


def test_real_backends_in_production_are_accepted() -> None:
    settings = load_settings(
        environ={
            "SOUK_APP_ENVIRONMENT": "production",
            "SOUK_MAIL_BACKEND": "smtp",
            "SOUK_SMS_BACKEND": "http",
            "SOUK_MEDIA_SIGNING_SECRET": "a production edge's own signing secret",
        }
    )
    assert (settings.mail.backend, settings.sms.backend) == ("smtp", "http")
    example = load_settings(config_file=PRODUCTION_EXAMPLE, environ={})
    assert example.app.environment == "production" and example.mail.backend == "smtp"


def test_development_keeps_the_console_backends() -> None:
    settings = load_settings(environ={})
    assert (
        settings.app.environment == "development"
        and settings.mail.backend == settings.sms.backend == "console"
    )


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(SettingsError, match="app.environment"):
        load_settings(environ={"SOUK_APP_ENVIRONMENT": "prod"})


def test_souk_says_why_it_will_not_start() -> None:
    env = {**os.environ, "SOUK_CONFIG": str(PRODUCTION_EXAMPLE), "SOUK_MAIL_BACKEND": "console"}
    result = subprocess.run(
        [sys.executable, "-m", "nodes.cli", "migrate"],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert 'mail.backend = "console"' in result.stderr and "Traceback" not in result.stderr
