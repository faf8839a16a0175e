"""Chat shapes several contracts share: a message's text, whether another participant read it, and
the two sides of a conversation about something for sale (an ad dialog, a property chat)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from protocols.chat import ChatMessage, Conversation
from protocols.fields import NON_EMPTY, MessageText

Content = Annotated[MessageText, StringConstraints(strip_whitespace=True), NON_EMPTY]  # trimmed first
# The participants' roles in a conversation about something for sale.
BUYER, SELLER = "buyer", "seller"


def read_by_other(message: ChatMessage, conversation: Conversation) -> bool:
    """Whether a participant other than the sender has read up to the message."""
    return any(seq >= message.seq for user, seq in conversation.reads.items() if user != message.sender_id)


def buyer_of(conversation: Conversation) -> int:
    """The participant in the buyer's role; without roles, whoever opened the conversation."""
    return next((user for user, role in conversation.roles.items() if role == BUYER), conversation.created_by)


def other_participant(conversation: Conversation, user_id: int) -> int | None:
    return next((user for user in conversation.participants if user != user_id), None)


def topic_number(conversation: Conversation) -> int | None:
    """The id of what the conversation is about (an ad, a property), when it is a number."""
    topic = conversation.topic_id
    return int(topic) if topic is not None and topic.isdigit() else None
