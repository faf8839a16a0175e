"""The advisor domain's answers: a user's message in an advisor chat starts the assistant's answer,
written by the configured backend, delivered to the user's connections as it is produced and stored
as the assistant's message when it ends (seeds/002's streamed answers).

An answer is keyed by the user's message: starting it twice starts it once. Its text grows by
chunks; a chunk's `offset` is where it starts in the answer's text (characters), so a reader that
has `offset` characters can tell a repeat from a gap and fetch the rest (`GetAnswer`).

A `failed` answer ended part way (the backend failed or timed out, or the worker writing it died):
what was written is stored as the assistant's message with a visible mark that it was interrupted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from . import subjects
from .advisor_cars import DOMAIN, Car
from .envelope import Batched, Command, Message
from .fields import Int32


class AnswerState(StrEnum):
    PENDING = "pending"  # accepted, not begun (waiting for the chat's previous answer, or a worker)
    WRITING = "writing"
    DONE = "done"
    FAILED = "failed"


class AnswerError(Message):
    code: str  # "interrupted" (the backend failed part way), "timeout", "unavailable", "empty"
    message: str


class AnswerProgress(Message):
    conversation_id: Int32
    message_id: Int32  # the user's message
    state: AnswerState
    text: str  # so far
    cars: list[Car] | None  # once the backend named them
    assistant_message_id: Int32 | None  # once stored in the chat
    error: AnswerError | None = None


class StartAnswer(Command[AnswerProgress]):
    """The actor's (the chat's owner) message `message_id` is answered. `unavailable` when the backend
    is known to be down (the message stays; nothing is started). Keyed by the message: a retry is
    answered with the answer already started."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "start_answer")
    idempotent: ClassVar[bool] = True
    conversation_id: Int32
    message_id: Int32


class GetAnswer(Command[AnswerProgress]):
    """The answer to the actor's message as it stands; `not_found` when none was started."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_answer")
    idempotent: ClassVar[bool] = True
    conversation_id: Int32
    message_id: Int32


class AnswersResumed(Batched):
    resumed: int  # answers taken over from a worker whose lease ran out


class ResumeAnswers(Command[AnswersResumed]):
    """The system's (the scheduler's, every `[scheduler] advisor_resume_interval_s`, and each advisor
    worker once as it starts): takes over answers whose worker's lease ran out (it died)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "resume_answers")


# --- live deliveries on rt.user.<id> ---------------------------------------------------------------


class AnswerChunk(Message):
    type: Literal["answer_chunk"] = "answer_chunk"
    conversation_id: Int32
    message_id: Int32
    offset: int  # where `text` starts in the answer's text
    text: str


class AnswerCars(Message):
    type: Literal["answer_cars"] = "answer_cars"
    conversation_id: Int32
    message_id: Int32
    offset: int  # the answer's text length: every chunk came before
    cars: list[Car]


class AnswerFailed(Message):
    type: Literal["answer_failed"] = "answer_failed"
    conversation_id: Int32
    message_id: Int32
    offset: int  # the answer's text length: every chunk came before
    code: str
    message: str
