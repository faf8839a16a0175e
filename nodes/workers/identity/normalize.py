"""Canonical forms of the identifiers an account can be found by."""

from __future__ import annotations

import re

from protocols.envelope import DomainError, ErrorCode

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PHONE_NOISE = re.compile(r"[\s\-()]")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def email_key(email: str) -> str:
    value = email.strip()
    if not EMAIL.match(value):
        raise DomainError(ErrorCode.VALIDATION, "Invalid email address", {"field": "email"})
    return value.lower()


def phone_e164(phone: str) -> str:
    """`8 700 123-45-67` and `+7 (700) 1234567` both become `+77001234567` (Kazakhstan's trunk 8)."""
    digits = PHONE_NOISE.sub("", phone.strip())
    if digits.startswith("8") and len(digits) == 11:
        digits = "+7" + digits[1:]
    elif not digits.startswith("+"):
        digits = "+" + digits
    if not E164.match(digits):
        raise DomainError(ErrorCode.VALIDATION, "Invalid phone number", {"field": "phone"})
    return digits


def username_key(username: str) -> str:
    return username.strip().lower()
