"""One setting's value, read from a TOML file or an environment variable: given the type of the
setting's default and the rule its field declares, or refused with what was expected, in words."""

from __future__ import annotations

from dataclasses import Field, dataclass
from typing import Any

import orjson

RULE = "souk_rule"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Rule:
    """What a setting accepts besides its type. Numbers are never negative unless a rule says so."""

    choices: tuple[str, ...] = ()
    minimum: float = 0
    maximum: float | None = None


def one_of(*choices: str) -> dict[str, Rule]:
    """Field metadata: the value is one of `choices` (any case; kept as spelled here)."""
    return {RULE: Rule(choices=choices)}


def at_least(minimum: float) -> dict[str, Rule]:
    return {RULE: Rule(minimum=minimum)}


PORT = {RULE: Rule(maximum=65535)}


def rule_of(item: Field[Any]) -> Rule:
    rule = item.metadata.get(RULE, Rule())
    assert isinstance(rule, Rule)
    return rule


class Unexpected(ValueError):
    """A value that does not fit; its text says what would (`a whole number from 0 to 65535`)."""


def from_toml(default: Any, value: Any, rule: Rule) -> Any:
    """A TOML value, which must already have the setting's type (an int may stand for a float)."""
    if isinstance(default, bool):
        fits = isinstance(value, bool)
    elif isinstance(default, (int, float)):
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
        fits = fits and (isinstance(default, float) or isinstance(value, int))
    elif isinstance(default, tuple):
        fits = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if fits else value
    else:
        fits = isinstance(value, type(default))
    if not fits:
        raise Unexpected(expected(default, rule, in_toml=True))
    return _ruled(type(default)(value), default, rule, in_toml=True)


def from_env(default: Any, text: str, rule: Rule) -> Any:
    """An environment variable's text, read as the setting's type (text as it is: a password may
    well begin or end with a space)."""
    value: Any = text if isinstance(default, str) else text.strip()
    try:
        if isinstance(default, bool):
            if value.lower() not in TRUE_WORDS + FALSE_WORDS:
                raise ValueError(value)
            value = value.lower() in TRUE_WORDS
        elif isinstance(default, tuple):
            value = _list_from_text(value)
        elif isinstance(default, (int, float)):
            value = type(default)(value)
    except ValueError:
        raise Unexpected(expected(default, rule, in_toml=False)) from None
    return _ruled(value, default, rule, in_toml=False)


def _list_from_text(text: str) -> tuple[str, ...]:
    """`a, b` or a JSON list of strings: `["a", "b"]`."""
    if not text.startswith("["):
        return tuple(v.strip() for v in text.split(",") if v.strip())
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(text) from exc
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ValueError(text)
    return tuple(items)


def _ruled(value: Any, default: Any, rule: Rule, *, in_toml: bool) -> Any:
    if rule.choices:
        for choice in rule.choices:
            if isinstance(value, str) and value.lower() == choice.lower():
                return choice
        raise Unexpected(expected(default, rule, in_toml=in_toml))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _within(value, rule):
        raise Unexpected(expected(default, rule, in_toml=in_toml))
    return value


def _within(number: float, rule: Rule) -> bool:
    # compared so that NaN fails too
    return number >= rule.minimum and (rule.maximum is None or number <= rule.maximum)


def expected(default: Any, rule: Rule, *, in_toml: bool) -> str:
    """What the setting takes, in words, with an example where it helps."""
    if rule.choices:
        *first, last = rule.choices
        return f"{', '.join(first)} or {last}" if first else last
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        kind = "a whole number" if isinstance(default, int) else "a number"
        if rule.maximum is not None:
            return f"{kind} from {rule.minimum:g} to {rule.maximum:g}"
        return f"{kind} of {rule.minimum:g} or more, such as {default}"
    if isinstance(default, tuple):
        if in_toml:
            return 'a list of strings, such as ["a", "b"]'
        return 'comma-separated values, such as a,b (or a JSON list: ["a", "b"])'
    return "a string in quotes" if in_toml else "text"
