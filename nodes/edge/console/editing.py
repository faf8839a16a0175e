"""What the reference pages (categories, vehicle references, locations) share: a form's inputs as the
template draws them (`Input`, `Form`), a table of entries (`Table`), and a form carried out (`submit`):
its fields read into the catalog's command, the command sent, the change recorded in the audit log,
and the browser sent back with a notice.

A notice is named in the URL by fixed words only (what happened, to which kind of entry and its id,
the field at fault), and its text is written here, so that a link cannot make a page say anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import Field, ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import Command, DomainError, ErrorCode
from protocols.fields import Id, ReferenceSearch
from protocols.moderation import LogAction

from .pages import render, see_other
from .sections import Section
from .session import Staff
from .tables import TableQuery, pager
from .trail import record

InputKind = Literal["text", "number", "decimal", "checkbox", "select", "textarea"]


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: InputKind = "text"
    required: bool = False
    options: Sequence[tuple[int | str, str]] = ()  # a select's (value, label)
    maxlength: int | None = None


@dataclass(frozen=True)
class Form:
    action: str
    title: str
    inputs: Sequence[Input]
    values: Mapping[str, Any] = field(default_factory=dict)  # an entry's, for its edit form
    submit: str = "Save"
    hidden: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    key: str  # the row's element id
    href: str | None  # where its first cell leads
    cells: Sequence[object]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: Sequence[str]
    rows: Sequence[Row]
    search: str | None = None  # the GET form's action, when the table is searched


class Done(StrEnum):
    CREATED = "created"
    SAVED = "saved"
    DELETED = "deleted"
    TAKEN = "taken"
    INVALID = "invalid"
    MISSING = "missing"
    IN_USE = "in_use"


class Kind(StrEnum):
    """An entry's kind: the audit log's target type and a notice's subject."""

    CATEGORY = "category"
    BRAND = "brand"
    MODEL = "model"
    GENERATION = "generation"
    MODIFICATION = "modification"
    COUNTRY = "country"
    REGION = "region"
    CITY = "city"


NOTICES = {
    Done.CREATED: "The {kind} #{id} was created.",
    Done.SAVED: "The {kind} #{id} was saved.",
    Done.DELETED: "The {kind} #{id} was deleted.",
    Done.TAKEN: "Not saved: another {kind} has this {key} already.",
    Done.INVALID: "Not saved: {field} is not valid.",
    Done.MISSING: "Not saved: the {kind} or what it belongs to is not there.",
    Done.IN_USE: "The {kind} #{id} was not deleted: it still has subcategories or ads.",
}
KEYS = {Kind.COUNTRY: "ISO code"}  # what is unique, where not the slug
OUTCOMES = {
    ErrorCode.CONFLICT: Done.TAKEN,
    ErrorCode.VALIDATION: Done.INVALID,
    ErrorCode.NOT_FOUND: Done.MISSING,
}


class EditQuery(TableQuery):
    """A reference page's query: its table's search and page, and the notice of what a form did."""

    transient: ClassVar[frozenset[str]] = frozenset({"notice", "kind", "target", "field"})
    q: ReferenceSearch = ""
    notice: Done | None = None
    kind: Kind | None = None
    target: Id | None = None
    field: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$")

    def notice_text(self) -> str | None:
        if self.notice is None or self.kind is None:
            return None
        return NOTICES[self.notice].format(
            kind=self.kind.value, id=self.target or "", key=KEYS.get(self.kind, "slug"),
            field=(self.field or "a field").replace("_", " "),
        )  # fmt: skip


def listing(query: EditQuery, table: Table, path: str, size: int) -> dict[str, Any]:
    """`table`'s rows of this page (a list the catalog keeps whole and answers whole), with its pager."""
    start = query.offset(size)
    shown = Table(table.key, table.title, table.headers, table.rows[start : start + size], table.search)
    return {"table": shown, **pager(path, query, len(table.rows), size)}


def reference_page(
    request: web.Request, staff: Staff, section: Section, context: Mapping[str, Any]
) -> web.Response:
    """`reference.html`: a heading, and what `context` has of its parts (crumbs, notice, edit form,
    delete button, table with its query and pager, form for a new entry)."""
    parts: dict[str, Any] = {
        "crumbs": [],
        "notice": None,
        "edit": None,
        "delete": None,
        "table": None,
        "create": None,
    }
    return render(request, "reference.html", parts | dict(context), staff=staff, section=section)


def values_of(form: Mapping[str, Any], inputs: Sequence[Input]) -> dict[str, Any]:
    """The form's value per input: a checkbox's presence, others stripped (empty: absent)."""
    values: dict[str, Any] = {}
    for spec in inputs:
        if spec.kind == "checkbox":
            values[spec.name] = spec.name in form
        elif (text := str(form.get(spec.name, "")).strip()) != "":
            values[spec.name] = text
    return values


def wrong_field(errors: Sequence[Mapping[str, Any]]) -> str | None:
    located = [str(error["loc"][0]) for error in errors if error.get("loc")]
    return located[0] if located else None


async def submit(
    request: web.Request,
    staff: Staff,
    inputs: Sequence[Input],
    command: type[Command[Any]],
    *,
    kind: Kind,
    back: str,
    fixed: Mapping[str, Any] | None = None,
    created: bool = True,
) -> web.Response:
    """Carry out the form: the catalog's `command` of its values (what the path names, `fixed`, over
    them; pydantic validates them), the reply's `id` and `name` recorded in the audit log. Back to
    `back` with the notice (the entry's id as `target`)."""
    values = values_of(await request.post(), inputs)
    notice: dict[str, str] = {"kind": kind.value}
    try:
        cmd = command.model_validate({**values, **(fixed or {})})
        reply = await request.app[BUS].request(cmd, actor=staff.actor)
    except ValidationError as exc:
        notice |= {"notice": Done.INVALID.value, "field": wrong_field(exc.errors()) or ""}
    except DomainError as exc:
        if exc.code not in OUTCOMES:
            raise
        notice |= {
            "notice": OUTCOMES[exc.code].value,
            "field": wrong_field(exc.details.get("errors", [])) or "",
        }
    else:
        entry_id = int(reply.id)  # every entry the catalog answers has an id and a name
        action = LogAction.CREATE_REFERENCE if created else LogAction.UPDATE_REFERENCE
        await record(request, staff, action, (kind.value, entry_id), {"name": reply.name})
        done = Done.CREATED if created else Done.SAVED
        notice |= {"notice": done.value, "target": str(entry_id)}
    return back_with(back, notice)


def back_with(back: str, notice: Mapping[str, str]) -> web.Response:
    return see_other(URL(back).update_query({name: value for name, value in notice.items() if value}))
