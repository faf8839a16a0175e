"""The fuzzed cluster: the usual one, with per-address limits out of the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings

# Every request comes from 127.0.0.1: at the default limits most sign-ups and logins would be answered
# 429 before reaching the code under test. The limits have their own tests.
GENEROUS = 1_000_000


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def generous(settings: Settings) -> Settings:
        limits = replace(
            settings.limits, login_per_ip=GENEROUS, register_per_ip=GENEROUS, refresh_per_ip=GENEROUS
        )
        return replace(settings, limits=limits)

    return generous
