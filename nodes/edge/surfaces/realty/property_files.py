"""A property's multipart form: its text fields, and its files stored as they stream in.

- `images` (several, at most `[realty] property_images_max`), `layout`, `building_layout` and
  `territory_layout` are images: told by their bytes (JPEG, PNG or WebP), re-encoded without their
  metadata (EXIF: camera, place, time) and given a thumbnail (kit/uploads.py). Past `[media]
  max_image_bytes` is 413.
- `document_file1..3` are PDF documents, told by their bytes (a PDF starts `%PDF-`), stored as they
  are; past `[realty] property_document_max_bytes` is 413.
- A field sent with no file chosen is no file; a file field sent twice (other than `images`), or more
  images than allowed, is 400.

Each file is stored once checked, one at a time (a form's files are never all held in memory), and
deleted again if anything after it fails: a later file, the text fields, or the market's answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from nodes.edge.kit.forms import bad_form, form_parts, no_file_chosen, read_text
from nodes.edge.kit.uploads import clean_image, image_keys, new_key, read_part
from nodes.edge.state import MEDIA_STORE, SETTINGS
from nodes.runtime.media import MediaStore
from protocols.fields import has_control_character
from protocols.market_realty import NewPropertyFile, PropertySlot

FOLDER = "properties"
IMAGE_SLOTS = {"images": PropertySlot.IMAGE, "layout": PropertySlot.LAYOUT,
               "building_layout": PropertySlot.BUILDING_LAYOUT, "territory_layout": PropertySlot.TERRITORY_LAYOUT}  # fmt: skip
DOCUMENT_FIELDS = ("document_file1", "document_file2", "document_file3")
FILE_FIELDS = (*IMAGE_SLOTS, *DOCUMENT_FIELDS)
PDF_MAGIC = b"%PDF-"
NOT_A_PDF = "Only PDF documents are accepted"
TEXT_BYTES = 64 * 1024  # a description's 10,000 characters in any script, with room


@dataclass
class PropertyForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[NewPropertyFile] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)  # keys, deleted if what follows fails


@asynccontextmanager
async def property_form(request: web.Request, text_fields: Collection[str]) -> AsyncIterator[PropertyForm]:
    """The form read (multipart, with files; urlencoded without); its stored files deleted again when
    the reading or the body of the `async with` fails."""
    form = PropertyForm()
    store = request.app[MEDIA_STORE]
    try:
        try:
            if request.content_type.startswith("multipart/"):
                await _read_multipart(request, form, text_fields)
            elif request.content_type == "application/x-www-form-urlencoded":
                posted = await request.post()
                form.fields = {k: v for k, v in posted.items() if isinstance(v, str) and k in text_fields}
            else:
                raise bad_form("A multipart/form-data form is expected")
        # What aiohttp raises for a body that is not the form it claims to be (see kit/forms.py).
        except (ValueError, AssertionError, LookupError, HttpProcessingError, web.RequestPayloadError):
            raise bad_form() from None
        yield form
    except BaseException:
        for key in form.stored:
            await store.delete(key)
        raise


async def _read_multipart(request: web.Request, form: PropertyForm, text_fields: Collection[str]) -> None:
    seen: set[str] = set()
    async for part in form_parts(request):
        name = part.name or ""
        if name in FILE_FIELDS:
            if await no_file_chosen(part):
                continue
            if name in seen and name != "images":
                raise bad_form(f"{name}: one file only")
            seen.add(name)
            await _take_file(request, form, name, part)
        elif name in text_fields:
            form.fields[name] = await read_text(part, TEXT_BYTES)
        else:
            await part.release()


async def _take_file(request: web.Request, form: PropertyForm, name: str, part: BodyPartReader) -> None:
    settings = request.app[SETTINGS]
    store = request.app[MEDIA_STORE]
    if name in DOCUMENT_FIELDS:
        data = await read_part(part, settings.realty.property_document_max_bytes, "Document")
        if not data.startswith(PDF_MAGIC):
            raise bad_form(f"{name}: {NOT_A_PDF}")
        key = new_key(FOLDER, "pdf")
        await _put(store, form, key, data, "application/pdf")
        form.files.append(NewPropertyFile(
            slot=PropertySlot.DOCUMENT, position=DOCUMENT_FIELDS.index(name), key=key,
            content_type="application/pdf", size=len(data), name=_file_name(part),
        ))  # fmt: skip
        return
    slot = IMAGE_SLOTS[name]
    position = sum(file.slot is slot for file in form.files)
    if slot is PropertySlot.IMAGE and position >= (most := settings.realty.property_images_max):
        raise bad_form(f"images: at most {most} images")
    image = await clean_image(await read_part(part, settings.media.max_image_bytes, "Image"), settings.media)
    key, thumbnail_key = image_keys(FOLDER, image)
    await _put(store, form, key, image.data, image.content_type)
    await _put(store, form, thumbnail_key, image.thumbnail, image.content_type)
    form.files.append(NewPropertyFile(
        slot=slot, position=position, key=key, thumbnail_key=thumbnail_key, content_type=image.content_type,
        size=len(image.data), width=image.width, height=image.height,
    ))  # fmt: skip


async def _put(store: MediaStore, form: PropertyForm, key: str, data: bytes, content_type: str) -> None:
    form.stored.append(key)
    await store.put(key, data, content_type)


def _file_name(part: BodyPartReader) -> str | None:
    """The uploaded name, without any path a client put in it, cut to what a name may be."""
    name = (part.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return None if has_control_character(name) else name[:255] or None
