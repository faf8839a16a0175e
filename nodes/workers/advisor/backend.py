"""What writes an answer: a backend turns the conversation into text pieces and the cars it
recommends, drawing on the car catalog through a `CarFinder`.

Two backends implement it: the rule-based advisor (`rules/`, the default: no network, no model) and
an OpenAI-compatible chat-completions client (`openai.py`). The answer writer (`writer.py`) relays
what a backend yields as it comes, whichever it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from protocols.advisor_cars import Car, CarPage, SearchCars
from protocols.chat import Author


@dataclass(frozen=True)
class Turn:
    """One message of the conversation, oldest first."""

    author: Author
    text: str


@dataclass(frozen=True)
class TextPiece:
    text: str


@dataclass(frozen=True)
class CarsPiece:
    """The cars the answer recommends, in the order it names them (yielded once, after its text)."""

    cars: list[Car]


Piece = TextPiece | CarsPiece


class BackendUnavailable(Exception):
    """The backend is known to be down: no answer can be started now."""


class BackendFailed(Exception):
    """The backend failed in the middle of an answer: what was yielded so far is a partial answer."""


class CarFinder(Protocol):
    async def search(self, query: SearchCars) -> CarPage: ...

    def brand_aliases(self) -> Mapping[str, str]:
        """Every name a buyer may call a brand by (lowercase, Latin and Cyrillic) → its slug."""
        ...


class Backend(Protocol):
    def ready(self) -> bool:
        """False while the backend is known to be down (a start would fail at once)."""
        ...

    def answer(self, turns: Sequence[Turn], cars: CarFinder) -> AsyncIterator[Piece]:
        """The answer to the conversation's last user message. Raises BackendFailed part way."""
        ...
