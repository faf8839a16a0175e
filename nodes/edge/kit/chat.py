"""Chat shapes several contracts share: a message's text, and whether another participant read it."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from protocols.chat import BODY_MAX, ChatMessage, Conversation

Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)]


def read_by_other(message: ChatMessage, conversation: Conversation) -> bool:
    """Whether a participant other than the sender has read up to the message."""
    return any(seq >= message.seq for user, seq in conversation.reads.items() if user != message.sender_id)
