"""Car advisor's clusters answer through the openai backend on a real local chat-completions server
(`llm`), whose script a test sets before it sends (tests/support/openai_server.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from nodes.runtime.settings import Settings
from tests.support.openai_server import API_KEY, API_KEY_ENV, OpenAIServer, openai_server


@pytest.fixture
async def llm(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[OpenAIServer]:
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    async with openai_server() as server:
        yield server


@pytest.fixture
def settings_override(llm: OpenAIServer) -> Callable[[Settings], Settings]:
    return llm.settings
