"""The answer writer's pure parts, without a cluster: how a backend's pieces become chunks (the first
at once, then at a sentence's end or after the flush interval; a failure after the text before it), and
the stored body of an interrupted answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from nodes.workers.advisor.backend import BackendFailed, CarsPiece, Piece, TextPiece
from nodes.workers.advisor.chunks import chunks
from nodes.workers.advisor.writer import stored_body

LONG = 3600.0  # a flush interval no test reaches: only the first piece and sentence ends flush


async def pieces(texts: Sequence[str], *, then: BaseException | None = None) -> AsyncIterator[Piece]:
    for text in texts:
        yield TextPiece(text)
    if then is not None:
        raise then
    yield CarsPiece([])


async def read(answer: AsyncIterator[Piece], flush_s: float) -> list[str | CarsPiece]:
    return [chunk async for chunk in chunks(answer, flush_s)]


@pytest.mark.parametrize(
    ("texts", "flush_s", "expected"),
    [
        (["Hello", " world", ".", " Next", " one"], LONG, ["Hello", " world.", " Next one"]),
        (["Да", "!\n", "Нет", "? ", "Может"], LONG, ["Да", "!\n", "Нет? ", "Может"]),
        (["a", "b", "c"], 0.0, ["a", "b", "c"]),
        (["", "a", "", "b"], LONG, ["a", "b"]),
        ([], LONG, []),
    ],
)
async def test_pieces_become_chunks(texts: list[str], flush_s: float, expected: list[str]) -> None:
    got = await read(pieces(texts), flush_s)
    assert got == [*expected, CarsPiece([])]


async def test_a_failure_comes_after_the_text_before_it() -> None:
    got: list[str | CarsPiece] = []
    with pytest.raises(BackendFailed):
        async for chunk in chunks(pieces(["First", " second", " third"], then=BackendFailed("cut")), LONG):
            got.append(chunk)
    assert got == ["First", " second third"]


@pytest.mark.parametrize(
    ("text", "failed", "body"),
    [
        ("Посмотрите Kia.", False, "Посмотрите Kia."),
        ("Посмотрите Kia ", True, "Посмотрите Kia\n\n[ответ прерван]"),
        ("Consider a Kia", True, "Consider a Kia\n\n[answer interrupted]"),
        ("", True, "[ответ прерван / answer interrupted]"),
        ("  \n", True, "[ответ прерван / answer interrupted]"),
    ],
)
def test_an_interrupted_answer_is_marked_in_its_language(text: str, failed: bool, body: str) -> None:
    assert stored_body(text, failed) == body
