"""Membership Auto's errors as Django REST Framework writes them: `{"error": "..."}`, and for a
request that fails validation each offending field with its messages (`{"error": "...", "email":
["This field is required."]}`); and its surface."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from nodes.edge.http import Surface
from protocols.envelope import ErrorCode

DRF_REQUIRED = "This field is required."


def garage(_status: int, code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """Membership Auto (DRF): `{"error": message}`, plus `{field: [messages]}` for each field a
    validation names."""
    body: dict[str, Any] = {"error": message}
    if code is not ErrorCode.VALIDATION:
        return body
    fields: dict[str, list[str]] = {}
    for error in details.get("errors") or ():
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = loc[0] if loc else "non_field_errors"
        text = DRF_REQUIRED if error.get("type") == "missing" else str(error.get("msg", "Invalid value."))
        fields.setdefault(name, []).append(text)
    if isinstance(details.get("field"), str):  # the worker names its fields in snake_case
        fields.setdefault(to_camel(details["field"]), []).append(message)
    fields.pop("error", None)  # no field of this surface is called that; the message keeps its key
    return {**body, **fields}


SURFACE = Surface(name="garage", title="Membership Auto (car service membership)", error_format=garage)
