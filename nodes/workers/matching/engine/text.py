"""Item names as sets of word stems, so that "Учебники по Python" and "учебник python" are one thing.

Lower case, ё as е, punctuation as space; Cyrillic words go through Snowball's Russian stemmer and
Latin ones through its English stemmer (PyStemmer, the C build of the Snowball algorithms); digits
stay as they are ("iphone 13"). Function words ("по", "для", "the", "for", ...) carry no item and are
dropped, so that a want's words can be looked for among an offer's.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-я]")

STOPWORDS = frozenset(
    [
        "и",
        "в",
        "во",
        "на",
        "по",
        "для",
        "с",
        "со",
        "к",
        "ко",
        "от",
        "до",
        "из",
        "за",
        "о",
        "об",
        "а",
        "но",
        "или",
        "у",
        "же",
        "ли",
        "не",
        "ни",
        "что",
        "как",
        "это",
        "мой",
        "моя",
        "мое",
        "мои",
        "свой",
        "своя",
        "свое",
        "свои",
        "ищу",
        "нужен",
        "нужна",
        "нужно",
        "нужны",
        "отдам",
        "отдаю",
        "обменяю",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "my",
        "your",
        "any",
    ]
)

_RUSSIAN = Stemmer.Stemmer("russian")
_ENGLISH = Stemmer.Stemmer("english")


def words(text: str | None) -> list[str]:
    """The words of `text`: lower case, ё as е, without punctuation or function words."""
    if not text:
        return []
    folded = text.lower().replace("ё", "е")
    return [word for word in _WORD.findall(folded) if word not in STOPWORDS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    stemmer = _RUSSIAN if _CYRILLIC.search(word) else _ENGLISH
    return str(stemmer.stemWord(word))


def stems(text: str | None) -> frozenset[str]:
    """The stems of `text`'s words: what two names must share to name the same item."""
    return frozenset(stem(word) for word in words(text))
