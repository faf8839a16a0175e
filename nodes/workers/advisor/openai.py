"""An OpenAI-compatible chat-completions backend: `POST {base_url}/chat/completions` with `stream:
true`, read as Server-Sent Events (`data: {json}` lines, `choices[0].delta.content` the next tokens,
`data: [DONE]` the end). Any server speaking that protocol will do (OpenAI, vLLM, Ollama, llama.cpp).

The model gets a system prompt holding the catalog's cars for the buyer's constraints (what `reader`
makes of the conversation, searched through the `CarFinder`), then the conversation; its tokens are
yielded as they arrive, then the cars it was given (the model is told to recommend among them only,
so they are the answer's recommended cars). A catalog that does not answer leaves the model the
conversation alone: it answers without cars rather than not at all.

"Known to be down": a connection failure or a 5xx answer marks the server down for `[advisor]
down_cool_off_s`; `ready()` is False meanwhile, and the first answer after it tries again. Failing
before any token is `BackendUnavailable`; after some, or a stream that stops without `[DONE]`, or no
token within `read_timeout_s`, `BackendFailed`. The API key is read from the environment variable the
settings name, sent as a bearer header, and never logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import aiohttp
import orjson

from nodes.runtime.settings import AdvisorSettings
from protocols.advisor_cars import Car, SearchCars
from protocols.envelope import DomainError

from .backend import BackendFailed, BackendUnavailable, CarFinder, CarsPiece, Piece, TextPiece, Turn

log = logging.getLogger(__name__)

Reader = Callable[[Sequence[Turn]], SearchCars]
CARS_IN_PROMPT = 8
DONE = b"[DONE]"

SYSTEM_PROMPT = """You are a car-selection advisor for buyers in Russia. Answer in the buyer's language,
briefly and concretely. Recommend only cars from the catalog list below (they match what the buyer
asked for); if it is empty, say that nothing in the catalog matches and ask what could change.
Catalog cars:
"""


def car_line(car: Car) -> str:
    years = f"{car.year_from or '?'}-{car.year_to or 'now'}"
    price = (
        f"{car.price_min}-{car.price_max} {car.currency}" if car.price_min is not None else "price unknown"
    )
    traits = ", ".join(t for t in (car.body_type, car.engine_type, car.transmission, car.drive) if t)
    return f"- {car.brand} {car.model} {car.generation} {car.modification} ({years}; {traits}; {price})"


def prompt_messages(turns: Sequence[Turn], cars: Sequence[Car]) -> list[dict[str, str]]:
    catalog = "\n".join(car_line(car) for car in cars) or "(none)"
    messages = [{"role": "system", "content": SYSTEM_PROMPT + catalog}]
    messages += [{"role": turn.author.value, "content": turn.text} for turn in turns if turn.text]
    return messages


def delta_of(data: bytes) -> str:
    """The text one `data:` line adds (none for a role-only or a final chunk)."""
    try:
        event = orjson.loads(data)
        content = event["choices"][0]["delta"].get("content") if event.get("choices") else None
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        raise BackendFailed("an unreadable event in the completion stream") from None
    return content if isinstance(content, str) else ""


class OpenAIBackend:
    def __init__(self, settings: AdvisorSettings, reader: Reader, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.reader = reader
        self.session = session
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        self.down_until = 0.0

    def ready(self) -> bool:
        return time.monotonic() >= self.down_until

    def _down(self, why: str) -> BackendUnavailable:
        self.down_until = time.monotonic() + self.settings.down_cool_off_s
        log.warning("the chat-completions server is down for %gs: %s", self.settings.down_cool_off_s, why)
        return BackendUnavailable(why)

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.settings.api_key_env, "") if self.settings.api_key_env else ""
        return {"Authorization": f"Bearer {key}"} if key else {}

    async def _cars(self, turns: Sequence[Turn], cars: CarFinder) -> list[Car]:
        try:
            return (await cars.search(self.reader(turns))).items[:CARS_IN_PROMPT]
        except DomainError as exc:
            log.warning("answering without the car catalog: %s", exc.message)
            return []

    async def answer(self, turns: Sequence[Turn], cars: CarFinder) -> AsyncIterator[Piece]:
        found = await self._cars(turns, cars)
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": prompt_messages(turns, found),
            "stream": True,
        }
        timeout = aiohttp.ClientTimeout(
            sock_connect=self.settings.connect_timeout_s, sock_read=self.settings.read_timeout_s
        )
        yielded = False
        try:
            async with self.session.post(
                self.url, json=body, headers=self._headers(), timeout=timeout
            ) as resp:
                if resp.status >= 500:
                    raise self._down(f"HTTP {resp.status}")
                if resp.status != 200:
                    # A client error (a wrong key or model): no use retrying, the operator must act.
                    log.warning("the chat-completions server refused: HTTP %d", resp.status)
                    raise BackendUnavailable(f"HTTP {resp.status}")
                async for line in resp.content:
                    data = line.strip()
                    if not data.startswith(b"data:"):
                        continue  # blank lines, comments, `event:` fields
                    data = data.removeprefix(b"data:").strip()
                    if data == DONE:
                        break
                    if text := delta_of(data):
                        yielded = True
                        yield TextPiece(text)
                else:
                    raise BackendFailed("the completion stream ended before [DONE]")
        except TimeoutError:
            raise (
                BackendFailed("no token within the read timeout") if yielded else self._down("timeout")
            ) from None
        except aiohttp.ClientConnectionError as exc:
            if yielded:
                raise BackendFailed(f"the connection broke: {exc!r}") from None
            raise self._down(f"cannot connect: {exc!r}") from None
        except aiohttp.ClientError as exc:
            raise BackendFailed(f"{exc!r}") from None
        yield CarsPiece(list(found))
