"""What the contracts' socket channels share: the conversations a socket has met, looked up once each;
the message a read receipt names; and a socket about one conversation (FreeMarket's exchange,
Realty's property chat), whose deliveries it shows in its contract's frames."""

from __future__ import annotations

from abc import abstractmethod

from nodes.edge.errors import found_or_none
from nodes.edge.realtime.frames import FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.ws import Channel
from nodes.runtime.bus import Bus
from protocols.chat import (
    ChatMessage,
    Conversation,
    ConversationKind,
    GetConversation,
    ListMessages,
    MessageDelivery,
    ReadDelivery,
    TypingDelivery,
)
from protocols.envelope import Actor, DomainError, ErrorCode

LOOKUPS_KEPT = 1024


class Conversations:
    """The user's conversations of one kind that a socket has met, each looked up once (bounded);
    anything else (another kind, another user's, none at all) is remembered as absent."""

    def __init__(self, bus: Bus, actor: Actor, kind: ConversationKind) -> None:
        self.bus = bus
        self.actor = actor
        self.kind = kind
        self._known: dict[int, Conversation | None] = {}

    def remember(self, conversation: Conversation) -> None:
        if conversation.kind is self.kind:
            self._keep(conversation.id, conversation)

    def forget(self, conversation_id: int) -> None:
        self._known.pop(conversation_id, None)

    async def get(self, conversation_id: int) -> Conversation | None:
        if conversation_id in self._known:
            return self._known[conversation_id]
        cmd = GetConversation(conversation_id=conversation_id, conversation_kind=self.kind)
        found = await found_or_none(self.bus.request(cmd, actor=self.actor))
        self._keep(conversation_id, found)
        return found

    async def require(self, conversation_id: int, not_found: str) -> Conversation:
        found = await self.get(conversation_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, not_found)
        return found

    def _keep(self, conversation_id: int, conversation: Conversation | None) -> None:
        self._known.pop(conversation_id, None)
        self._known[conversation_id] = conversation
        if len(self._known) > LOOKUPS_KEPT:
            del self._known[next(iter(self._known))]


async def message_at(
    bus: Bus, actor: Actor, conversation_id: int, seq: int, kind: ConversationKind
) -> ChatMessage | None:
    """The message with that sequence number (a read receipt names a message, not a position)."""
    cmd = ListMessages(
        conversation_id=conversation_id, after_seq=max(seq - 1, 0), limit=1, conversation_kind=kind
    )
    page = await bus.request(cmd, actor=actor)
    return page.items[0] if page.items and page.items[0].seq == seq else None


SHOWN: FrameTable[OneConversationChannel, ServerFrame] = FrameTable()


class OneConversationChannel(Channel):
    """A socket about one conversation: its messages, typing (not its stops) and read receipts, in
    the frames the contract's subclass makes."""

    def __init__(self, bus: Bus, actor: Actor, chat: Conversation, kind: ConversationKind) -> None:
        super().__init__(bus, actor)
        self.chat = chat
        self.kind = kind

    @abstractmethod
    def message_frame(self, message: ChatMessage) -> ServerFrame: ...

    @abstractmethod
    def typing_frame(self, user_id: int) -> ServerFrame: ...

    @abstractmethod
    def read_frame(self, user_id: int, message_id: int) -> ServerFrame: ...

    async def shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        return await SHOWN.show(self, delivery_type, payload)

    @SHOWN.on(MessageDelivery)
    async def _message(self, delivery: MessageDelivery) -> list[ServerFrame]:
        message = delivery.message
        return [self.message_frame(message)] if message.conversation_id == self.chat.id else []

    @SHOWN.on(TypingDelivery)
    async def _typing(self, typing: TypingDelivery) -> list[ServerFrame]:
        if typing.conversation_id != self.chat.id or not typing.typing:
            return []
        return [self.typing_frame(typing.user_id)]

    @SHOWN.on(ReadDelivery)
    async def _read(self, delivery: ReadDelivery) -> list[ServerFrame]:
        state = delivery.state
        if state.conversation_id != self.chat.id:
            return []
        read = await message_at(self.bus, self.actor, self.chat.id, state.read_seq, self.kind)
        return [] if read is None else [self.read_frame(state.user_id, read.id)]
