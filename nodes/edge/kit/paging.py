"""Reading every conversation of a kind that a user is in, a page at a time."""

from __future__ import annotations

from nodes.runtime.bus import Bus
from protocols.chat import PAGE_MAX, Conversation, ConversationKind, ConversationPage, ListConversations
from protocols.envelope import Actor


async def every_conversation(bus: Bus, actor: Actor, kind: ConversationKind, most: int) -> ConversationPage:
    """The user's conversations of `kind`, most recently active first, at most `most` of them; `total`
    counts them all. One that becomes active while the pages are read shows once."""
    found: dict[int, Conversation] = {}
    read = total = 0
    while len(found) < most:
        page = await bus.request(ListConversations(kind=kind, offset=read, limit=PAGE_MAX), actor=actor)
        found.update((conversation.id, conversation) for conversation in page.items)
        read, total = read + len(page.items), page.total
        if len(page.items) < PAGE_MAX or read >= total:
            break
    return ConversationPage(items=list(found.values())[:most], total=total)
