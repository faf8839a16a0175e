"""The envelope around every message: message bases, the actor, typed errors and the codec.

A request travels as one orjson document ``{"rid", "actor", "data"}``; a reply as ``{"ok": data}``
or ``{"error": {"code", "message", "details"}}``. One document per message keeps the hot path to a
single encode and a single decode on each side.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from .fields import control_character_at, control_character_error, json_may_hold_control


class Message(BaseModel):
    """A typed payload that knows its own subject."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    subject: ClassVar[str]


ReplyT = TypeVar("ReplyT", bound=Message)


class Command(Message, Generic[ReplyT]):
    """A request to one domain; its reply type is the generic parameter.

    ``idempotent`` commands (reads, or writes keyed by a client id) may be retried by the bus after
    a timeout; others are only retried when no worker received them at all. ``repeatable`` ones,
    whose repetition does no harm although it does not give the same result (a sign-in opens one
    more session), go out again when the connection they went out on is lost while they wait: the
    request or its reply may have been lost with a NATS node. Idempotent ones do too.
    """

    reply_type: ClassVar[type[Message]]
    idempotent: ClassVar[bool] = False
    repeatable: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for base in cls.__mro__:
            meta = getattr(base, "__pydantic_generic_metadata__", None)
            if meta and meta.get("origin") is Command and meta.get("args"):
                reply = meta["args"][0]
                if reply is Any or isinstance(reply, TypeVar):
                    return  # `Command[Any]` in an annotation or a bound: no concrete reply to record
                if not (isinstance(reply, type) and issubclass(reply, Message)):
                    raise TypeError(f"{cls.__name__}: reply type must be a Message class defined before it")
                cls.reply_type = reply
                return


class Event(Message):
    """A fact that happened; published, never answered."""


class Empty(Message):
    """A reply that carries nothing but success."""


class Batched(Message):
    """The reply to a scheduled command that does its work a batch at a time."""

    more: bool  # the batch was full: more may be due at once, so the scheduler sends it again


class Role(StrEnum):
    USER = "user"
    DEALER = "dealer"
    REALTOR = "realtor"
    AGENCY = "agency"
    DEVELOPER = "developer"
    MODERATOR = "moderator"
    MANAGER = "manager"
    ADMIN = "admin"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"  # a request no token vouched for; never held by an account


class Actor(BaseModel):
    """Who is asking, as verified by the edge (or the scheduler acting as the system)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    user_id: int
    role: Role
    session_id: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=0, role=Role.SYSTEM)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=0, role=Role.ANONYMOUS)

    @property
    def signed_in(self) -> bool:
        return self.role not in (Role.ANONYMOUS, Role.SYSTEM)

    def require_user(self) -> int:
        """The signed-in user's id; anyone else is `unauthorized`."""
        if not self.signed_in:
            raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
        return self.user_id


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    VALIDATION = "validation"
    UNAUTHORIZED = "unauthorized"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class DomainError(Exception):
    """A typed failure: raised by handlers, carried in a reply, re-raised at the caller."""

    def __init__(self, code: ErrorCode, message: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(message or code.value)
        self.code = code
        self.message = message or code.value
        self.details = details or {}

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, "details": self.details}

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> DomainError:
        try:
            code = ErrorCode(str(body.get("code")))
        except ValueError:
            code = ErrorCode.INTERNAL
        return cls(code, str(body.get("message", "")), dict(body.get("details") or {}))


@dataclass(frozen=True, slots=True)
class RequestEnvelope:
    rid: str
    actor: Actor | None
    data: dict[str, Any]


@lru_cache(maxsize=4096)
def _actor_json(actor: Actor | None) -> bytes:
    return actor.__pydantic_serializer__.to_json(actor) if actor is not None else b"null"


def _json(message: Message) -> bytes:
    return message.__pydantic_serializer__.to_json(message)


def encode_request(cmd: Message, actor: Actor | None, request_id: str) -> bytes:
    # Spliced rather than re-encoded: the model is serialized once, in pydantic's Rust core.
    return b"".join(
        (
            b'{"rid":',
            orjson.dumps(request_id),
            b',"actor":',
            _actor_json(actor),
            b',"data":',
            _json(cmd),
            b"}",
        )
    )


@lru_cache(maxsize=4096)
def _actor(user_id: Any, role: Any, session_id: Any) -> Actor:
    # The same few actors send most requests; validating each once is enough (Actor is frozen).
    return Actor.model_validate({"user_id": user_id, "role": role, "session_id": session_id})


def decode_request(raw: bytes) -> RequestEnvelope:
    try:
        body = orjson.loads(raw)
        actor = body["actor"]
        return RequestEnvelope(
            rid=str(body["rid"]),
            actor=_actor(actor["user_id"], actor["role"], actor.get("session_id"))
            if actor is not None
            else None,
            data=dict(body["data"]),
        )
    except (orjson.JSONDecodeError, ValidationError, KeyError, TypeError, ValueError) as exc:
        raise DomainError(ErrorCode.VALIDATION, "malformed request envelope") from exc


def encode_reply(reply: Message) -> bytes:
    return b'{"ok":' + _json(reply) + b"}"


def encode_error(error: DomainError) -> bytes:
    return orjson.dumps({"error": error.to_wire()})


M = TypeVar("M", bound=Message)


def decode_reply(raw: bytes, reply_type: type[M]) -> M:
    """Return the reply, or raise the DomainError it carries."""
    return reply_type.model_validate(decode_reply_json(raw))


def decode_reply_json(raw: bytes) -> dict[str, Any]:
    """The reply's data as JSON, or raise the DomainError it carries."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DomainError(ErrorCode.INTERNAL, "malformed reply") from exc
    if "error" in body:
        raise DomainError.from_wire(body["error"])
    data: dict[str, Any] = body["ok"]
    return data


def require_plain_text(data: Any, raw: str | bytes | None = None) -> None:
    """Refuse `data` if any of its text holds a control character (see `protocols.fields`).

    `raw`, the JSON `data` was read from, lets the common case skip walking the structure.
    """
    if raw is not None and not json_may_hold_control(raw):
        return
    where = control_character_at(data)
    if where is not None:
        error = control_character_error(where)
        located = ".".join(str(part) for part in where)
        message = f"{located}: {error['msg']}" if located else str(error["msg"])
        raise DomainError(ErrorCode.VALIDATION, message, {"errors": [error]})


def decode_data(model: type[M], data: dict[str, Any], *, raw: bytes | None = None) -> M:
    """`data` as `model`; text holding control characters is refused before the model sees it.
    `raw`: the JSON `data` came from, if at hand (see `require_plain_text`)."""
    require_plain_text(data, raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            ErrorCode.VALIDATION,
            "invalid payload",
            {"errors": exc.errors(include_url=False, include_context=False, include_input=False)},
        ) from exc
