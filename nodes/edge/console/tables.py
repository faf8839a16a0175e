"""What every table of the console shares: its query (filters, sort, page) read from the URL, the links
that keep those filters (its pager, its sortable headers), and the page a form sends the browser back
to. The rows come from a worker, sorted, filtered and paged there."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from yarl import URL


class TableQuery(BaseModel):
    """A table's query; a page's own filters are fields of a subclass. The `transient` fields (a notice
    of what a form just did) are never carried over into a link."""

    transient: ClassVar[frozenset[str]] = frozenset({"notice"})
    page: int = Field(default=1, ge=1, le=100_000)
    notice: str | None = None

    def offset(self, size: int) -> int:
        return (self.page - 1) * size

    def link(self, path: str, **changes: Any) -> str:
        """`path` with this query's filters, `changes` applied (a None or "" drops a parameter)."""
        params = self.model_dump(mode="json", exclude=set(self.transient)) | changes
        params["page"] = params.pop("page")  # last, after the filters
        kept = {
            name: str(value.value if isinstance(value, StrEnum) else value)
            for name, value in params.items()
            if value not in ("", None)
        }
        return str(URL(path).with_query(kept))


def pager(path: str, query: TableQuery, total: int, size: int) -> dict[str, Any]:
    """What `_pager.html` shows: the page count and the links to the pages either side."""
    pages = max(1, math.ceil(total / size))
    return {
        "total": total,
        "pages": pages,
        "previous": query.link(path, page=query.page - 1) if query.page > 1 else None,
        "next": query.link(path, page=query.page + 1) if query.page < pages else None,
    }


def sort_links(
    path: str, query: TableQuery, current: StrEnum, sortable: Mapping[str, tuple[StrEnum, StrEnum]]
) -> dict[str, dict[str, str]]:
    """Per sortable column (its two orders, `<name>_asc` or `<name>_desc`, the first taken on the first
    click): the link a click on its header follows, and its mark if the table is sorted by it."""
    links = {}
    for column, (first, second) in sortable.items():
        then = second if current is first else first
        mark = ("▲" if current.value.endswith("_asc") else "▼") if current in (first, second) else ""
        links[column] = {"href": query.link(path, sort=then.value, page=1), "mark": mark}
    return links


def back_to(value: object, path: str, fallback: str) -> URL:
    """The page of `path` a form was sent from (its `back` field), never anywhere else."""
    if isinstance(value, str) and (value == path or value.startswith(path + "?")) and "//" not in value:
        return URL(value)
    return URL(fallback)
