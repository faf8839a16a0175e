"""Car advisor's clusters answer through the openai backend on a real local chat-completions server
(`llm`), whose script a test sets before it sends (tests/support/openai_server.py)."""

from tests.support.openai_server import llm, settings_override

__all__ = ["llm", "settings_override"]
