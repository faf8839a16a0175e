"""Reading a form into a model: multipart (text fields and image files), urlencoded, or JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from typing import TypeVar

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError

from nodes.edge.http import read_body
from nodes.edge.media import store_image
from nodes.edge.state import SETTINGS
from protocols.envelope import DomainError, ErrorCode, require_plain_text

B = TypeVar("B", bound=BaseModel)
MAX_FORM_PARTS = 64
MAX_FIELD_BYTES = 4096


def bad_form(message: str = "Malformed form data") -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message)


async def read_form(
    request: web.Request, model: type[B], images: dict[str, str], *, image_fields: Collection[str] = ()
) -> B:
    """The form as `model`. A multipart form's files named in `image_fields` are stored as they stream
    in, their URLs put in `images` (the caller discards them if what follows fails). A blank text
    value of a field the model does not require is no value, as a form sends a field left empty."""
    try:
        if request.content_type.startswith("multipart/"):
            fields = await _read_multipart(request, model, images, image_fields)
        elif request.content_type == "application/x-www-form-urlencoded":
            fields = {name: value for name, value in (await request.post()).items() if isinstance(value, str)}
        else:
            return await read_body(request, model)
    # What aiohttp raises for a body that is not the form it claims to be: no boundary, a truncated
    # or garbled part (ValueError, AssertionError), a part header it cannot parse or too long
    # (HttpProcessingError), a charset it does not know (LookupError), a Content-Encoding that does
    # not decode (RequestPayloadError).
    except (ValueError, AssertionError, LookupError, HttpProcessingError, web.RequestPayloadError):
        raise bad_form() from None
    require_plain_text(fields)
    given = {name: value for name, value in fields.items() if value != "" or _required(model, name)}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise bad_form(f"{where}: {first['msg']}") from None


def _required(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and field.is_required()


async def form_parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    """A multipart form's parts in order, at most MAX_FORM_PARTS; a nested multipart is refused. Each
    part is to be read or released before the next."""
    reader = await request.multipart()
    for _ in range(MAX_FORM_PARTS):
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise bad_form("Nested multipart is not accepted")
        yield part
    raise bad_form("Too many form fields")


async def no_file_chosen(part: BodyPartReader) -> bool:
    """A file field a form sent with no file chosen (released): no file at all."""
    if part.filename != "":
        return False
    await part.release()
    return True


async def _read_multipart(
    request: web.Request, model: type[BaseModel], images: dict[str, str], image_fields: Collection[str]
) -> dict[str, str]:
    """The model's text fields; the images are stored as they stream in."""
    fields: dict[str, str] = {}
    async for part in form_parts(request):
        name = part.name or ""
        if name in image_fields:
            if await no_file_chosen(part):
                continue
            if name in images:
                raise bad_form(f"{name}: one file only")
            images[name] = await store_image(request.app[SETTINGS].media, part)
        elif name in model.model_fields:
            fields[name] = await read_text(part)
        else:
            await part.release()
    return fields


async def read_text(part: BodyPartReader, limit: int = MAX_FIELD_BYTES) -> str:
    data = b""
    while chunk := await part.read_chunk(MAX_FIELD_BYTES):
        data += chunk
        if len(data) > limit:
            raise bad_form(f"{part.name}: value too long")
    try:
        return data.decode(part.get_charset("utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise bad_form(f"{part.name}: not valid text") from None
