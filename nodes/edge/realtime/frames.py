"""Frames, the JSON objects that the edge's sockets and streams carry, as models: one per frame type.

- A frame the server writes is a `ServerFrame`. Its fields are the frame's (`type` among them, under
  their aliases for a contract that spells them in camelCase), and `encode` writes it as JSON with
  pydantic's serializer, no dict in between.
- A frame a client sends is read as the `ClientFrame` model that its `type` names. Each model
  declares `type` as a Literal with that value as its default, and a `FrameTable` holds a channel's
  models, each with its handler: it finds the model by the frame's `type`, validates the frame once
  as that model, and hands the result to the model's handler. That is a discriminated union on
  `type`, read by hand because pydantic's own would put the tag in front of every error's location,
  and the contracts' error frames name the field alone.
- Deliveries (protocols' `*Delivery` messages, typed the same way) reach a channel or a feed through
  a table too: `show` reads a delivery of a type it has a model for and skips the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from protocols.envelope import DomainError, ErrorCode, require_plain_text

JsonObject = dict[str, Any]  # a frame or a delivery as decoded JSON, before it is read as its model

C = TypeVar("C")  # what handles the frames: a channel, a feed
M = TypeVar("M", bound=BaseModel)
O = TypeVar("O")  # what a handler answers with: frames, events
Handler = Callable[[C, M], Awaitable[list[O]]]


class ServerFrame(BaseModel):
    """A frame the server sends."""

    def encode(self) -> bytes:
        return self.__pydantic_serializer__.to_json(self, by_alias=True)


class ClientFrame(BaseModel):
    """A frame a client sends: the fields its model declares; others are ignored."""

    model_config = ConfigDict(extra="ignore")


def type_of(model: type[BaseModel]) -> str:
    """The `type` that names the model's frames (its field's default)."""
    field = model.model_fields.get("type")
    tag = field.default if field is not None else None
    if not isinstance(tag, str):
        raise TypeError(f"{model.__name__} needs a `type` field whose default is its frame type")
    return tag


class FrameTable(Generic[C, O]):
    """The frames (or deliveries) one kind of channel understands: a model per type, a handler per model.

    `base`: a table whose types are understood too, unless one of the same name is registered here.
    `untyped`: the type of a frame that names none.
    """

    def __init__(self, *, base: FrameTable[Any, O] | None = None, untyped: str | None = None) -> None:
        self.base = base
        self.untyped = untyped
        self._models: dict[str, type[BaseModel]] = {}
        self._handlers: dict[type[BaseModel], Handler[C, Any, O]] = {}

    def on(self, model: type[M]) -> Callable[[Handler[C, M, O]], Handler[C, M, O]]:
        tag = type_of(model)

        def register(handler: Handler[C, M, O]) -> Handler[C, M, O]:
            self._models[tag] = model
            self._handlers[model] = handler
            return handler

        return register

    def model(self, tag: object) -> type[BaseModel] | None:
        found = self._models.get(tag) if isinstance(tag, str) else None
        return found if found is not None or self.base is None else self.base.model(tag)

    async def handle(self, context: C, item: BaseModel) -> list[O]:
        table: FrameTable[Any, O] | None = self
        while table is not None:
            handler = table._handlers.get(type(item))
            if handler is not None:
                return await handler(context, item)
            table = table.base
        raise LookupError(f"no handler for {type(item).__name__}")

    def decode(self, frame: JsonObject) -> BaseModel:
        """A client frame as its type's model. DomainError (validation): an unknown type, or fields
        that fail the model."""
        tag = frame.get("type", self.untyped)
        model = self.model(tag)
        if model is None:
            raise DomainError(ErrorCode.VALIDATION, f"Unknown message type: {str(tag)[:64]!r}")
        return read_frame(model, frame)

    async def answer(self, context: C, frame: JsonObject) -> list[O]:
        """A client frame, done: the frames that answer it."""
        return await self.handle(context, self.decode(frame))

    async def show(self, context: C, delivery_type: str, payload: JsonObject) -> list[O]:
        """A delivery as the context shows it; none for a type it has no model for. ValidationError:
        the delivery is not what its type says."""
        model = self.model(delivery_type)
        return [] if model is None else await self.handle(context, model.model_validate(payload))


def read_frame(model: type[M], frame: JsonObject) -> M:
    """The frame as `model`; DomainError (validation) naming the first field that fails, all in `details`."""
    try:
        return model.model_validate(frame)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DomainError(ErrorCode.VALIDATION, f"{where}: {first['msg']}", {"errors": errors}) from None


def decode_frame(data: str | bytes) -> JsonObject:
    """A client frame's JSON object. DomainError (validation): not JSON, not an object, or text with
    control characters (protocols/fields.py)."""
    try:
        frame = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise DomainError(ErrorCode.VALIDATION, "Invalid JSON") from None
    if not isinstance(frame, dict):
        raise DomainError(ErrorCode.VALIDATION, "A message must be a JSON object")
    require_plain_text(frame, data)  # one check per frame
    return frame
