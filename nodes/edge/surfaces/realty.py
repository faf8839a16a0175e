"""Realty (seeds/003): its REST surface. Paths sit at the root; errors are `{"detail": ...}`.

Accounts are phone + SMS code. Decisions where the document is silent:

- `users/me/` and `users/list/` show the role as its Russian label (`ROLE_LABELS`), as the document's
  "Риелтор" does; the machine value is what `users/register/` takes.
- `users/update/` and `users/delete/` name the account by `phone`; it must be the caller's own phone,
  and any other answers 404 "User not found" (a foreign account answers like a missing one).
- `users/list/` requires a token and is for staff (manager, admin): the identity worker answers 403 to
  anyone else. Every account of the platform has a phone number there; ordinary users do not list them.
- `/update/` and `/list/`, the spellings of the document's examples, are served as aliases (no other
  contract uses those paths).
- The register response carries `code` only in development (the worker sets it only then); so does
  `users/reset/`. Notification flags never set read as true.
- `users/update/` ignores fields it does not know (role, id...): they cannot be set that way. Empty
  text values leave a field as it was; an empty file part (a form with no file chosen) is no file.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from nodes.edge.http import Surface, SurfaceRoutes, json_response, read_body, read_query
from nodes.edge.media import discard_image, store_image
from nodes.edge.session_http import client_info, require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols.envelope import DomainError, ErrorCode, Role, require_plain_text
from protocols.fields import INT32_MAX
from protocols.identity import (
    REALTY_PROFILE_FIELDS,
    ActivatePhone,
    DeleteAccount,
    GetMe,
    ListUsers,
    LoginWithCode,
    Register,
    SendPhoneCode,
    UpdateProfile,
    UserProfile,
)

SURFACE = Surface(name="realty", title="Realty")
routes = SurfaceRoutes(SURFACE)

ROLE_LABELS: dict[Role, str] = {
    Role.USER: "Пользователь",
    Role.REALTOR: "Риелтор",
    Role.DEVELOPER: "Застройщик",
    Role.AGENCY: "Агентство",
    # Not chosen through Realty, but such an account may still sign in here.
    Role.DEALER: "Дилер",
    Role.MODERATOR: "Модератор",
    Role.MANAGER: "Менеджер",
    Role.ADMIN: "Администратор",
    Role.SYSTEM: "Система",
}
NOTIFICATION_FIELDS = tuple(name for name in REALTY_PROFILE_FIELDS if name.startswith("notifications_"))
TEXT_ATTRIBUTES = tuple(name for name in REALTY_PROFILE_FIELDS if name not in NOTIFICATION_FIELDS)
IMAGE_FIELDS = ("avatar", "licenses")
MAX_FORM_PARTS = 64
MAX_FIELD_BYTES = 4096
NOT_FOUND = "User not found"


# --- request and response models ---------------------------------------------------------------------


class PhoneBody(BaseModel):
    phone: str = Field(min_length=1, max_length=20)


class RegisterBody(PhoneBody):
    first_name: str = Field(min_length=1, max_length=128)
    last_name: str = Field(min_length=1, max_length=128)
    role: Literal["user", "realtor", "developer", "agency"] = "user"


class CodeBody(PhoneBody):
    activation_code: str = Field(min_length=1, max_length=12)


class MessageOut(BaseModel):
    message: str


class CodeMessageOut(MessageOut):
    code: str | None = Field(default=None, description="The SMS code; only present in development mode.")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class RealtyUserOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    middle_name: str | None
    phone: str | None
    email: str | None
    city: str | None
    role: str = Field(description="Russian label: Пользователь, Риелтор, Застройщик or Агентство.")
    sex: str | None
    user_type: str | None
    whatsapp: str | None
    telegram: str | None
    viber: str | None
    zoom: str | None
    prop_city: str | None
    prop_offer: str | None
    prop_type: str | None
    prop_state: str | None
    about: str | None
    notifications_all_messages: bool
    notifications_new_matches: bool
    notifications_responses: bool
    notifications_contacts: bool
    notifications_news: bool
    avatar: str | None = Field(description="URL of the avatar image.")
    licenses: str | None = Field(description="URL of the license image.")
    is_active: bool
    created_at: datetime


class UserUpdatedOut(MessageOut):
    user: RealtyUserOut


class UserListOut(RootModel[list[RealtyUserOut]]):
    pass


class UpdateForm(BaseModel):
    """The text fields of `users/update/`; unknown fields are dropped, never forwarded."""

    model_config = ConfigDict(extra="ignore")
    phone: str = Field(min_length=1, max_length=20)
    first_name: str | None = Field(default=None, max_length=128)
    last_name: str | None = Field(default=None, max_length=128)
    middle_name: str | None = Field(default=None, max_length=128)
    sex: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    user_type: str | None = Field(default=None, max_length=64)
    whatsapp: str | None = Field(default=None, max_length=64)
    telegram: str | None = Field(default=None, max_length=64)
    viber: str | None = Field(default=None, max_length=64)
    zoom: str | None = Field(default=None, max_length=128)
    prop_city: str | None = Field(default=None, max_length=128)
    prop_offer: str | None = Field(default=None, max_length=128)
    prop_type: str | None = Field(default=None, max_length=128)
    prop_state: str | None = Field(default=None, max_length=128)
    about: str | None = Field(default=None, max_length=2000)
    notifications_all_messages: bool | None = None
    notifications_new_matches: bool | None = None
    notifications_responses: bool | None = None
    notifications_contacts: bool | None = None
    notifications_news: bool | None = None


class UpdateFormDoc(UpdateForm):
    """`users/update/` as documented: the text fields plus two image files."""

    avatar: str | None = Field(default=None, json_schema_extra={"format": "binary"})
    licenses: str | None = Field(default=None, json_schema_extra={"format": "binary"})


class ListQuery(BaseModel):
    skip: int = Field(default=0, ge=0, le=INT32_MAX)
    limit: int = Field(default=10, ge=1, le=100)


# --- shaping ----------------------------------------------------------------------------------------


def _text(user: UserProfile, name: str) -> str | None:
    value = user.attributes.get(name)
    return value if isinstance(value, str) else None


def _flag(user: UserProfile, name: str) -> bool:
    value = user.attributes.get(name)
    return value if isinstance(value, bool) else True


def user_out(user: UserProfile) -> RealtyUserOut:
    return RealtyUserOut(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        email=user.email,
        city=user.city,
        role=ROLE_LABELS.get(user.role, user.role.value),
        avatar=user.avatar_url,
        licenses=user.licenses_url,
        is_active=user.is_active,
        created_at=user.created_at,
        **{name: _text(user, name) for name in TEXT_ATTRIBUTES},
        **{name: _flag(user, name) for name in NOTIFICATION_FIELDS},
    )


def _phone_key(phone: str) -> str:
    """Digits only, Kazakhstan's and Russia's trunk 8 read as +7: enough to tell one's own phone."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


async def _own_profile(request: web.Request, phone: str) -> UserProfile:
    """The caller's profile if `phone` is the caller's own; any other phone is simply not there."""
    me = await request.app[BUS].request(GetMe(), actor=require_actor(request))
    if me.phone is None or not _phone_key(phone) or _phone_key(phone) != _phone_key(me.phone):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return me


# --- users/update/ form reading ---------------------------------------------------------------------


def _bad_form(message: str = "Malformed form data") -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message)


async def _read_text(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(MAX_FIELD_BYTES):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise _bad_form(f"{part.name}: value too long")
    try:
        return data.decode(part.get_charset("utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise _bad_form(f"{part.name}: not valid text") from None


async def _read_multipart(request: web.Request, images: dict[str, str]) -> dict[str, str]:
    """Text fields of the form; the images are stored as they stream in, their URLs put in `images`."""
    fields: dict[str, str] = {}
    reader = await request.multipart()
    for _ in range(MAX_FORM_PARTS):
        part = await reader.next()
        if part is None:
            return fields
        if not isinstance(part, BodyPartReader):
            raise _bad_form("Nested multipart is not accepted")
        name = part.name or ""
        if name in IMAGE_FIELDS:
            if part.filename == "":
                await part.release()  # a form sent with no file chosen
                continue
            if name in images:
                raise _bad_form(f"{name}: one file only")
            images[name] = await store_image(request.app[SETTINGS].media, part)
        elif name in UpdateForm.model_fields:
            fields[name] = await _read_text(part)
        else:
            await part.release()
    raise _bad_form("Too many form fields")


async def _read_update(request: web.Request, images: dict[str, str]) -> UpdateForm:
    """The form (multipart, or urlencoded/JSON without files) as `UpdateForm`."""
    try:
        if request.content_type.startswith("multipart/"):
            fields: dict[str, object] = dict(await _read_multipart(request, images))
        elif request.content_type == "application/x-www-form-urlencoded":
            fields = {name: value for name, value in (await request.post()).items() if isinstance(value, str)}
        else:
            return await read_body(request, UpdateForm)
    # What aiohttp raises for a body that is not the form it claims to be: no boundary, a truncated
    # or garbled part (ValueError, AssertionError), a part header it cannot parse or too long
    # (HttpProcessingError), a charset it does not know (LookupError), a Content-Encoding that does
    # not decode (RequestPayloadError).
    except (ValueError, AssertionError, LookupError, HttpProcessingError, web.RequestPayloadError):
        raise _bad_form() from None
    require_plain_text(fields)
    cleaned = {name: value for name, value in fields.items() if value != "" or name == "phone"}
    try:
        return UpdateForm.model_validate(cleaned)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _bad_form(f"{where}: {first['msg']}") from None


def _profile_command(form: UpdateForm, images: dict[str, str], before: UserProfile) -> UpdateProfile:
    given = form.model_dump(exclude_unset=True, exclude={"phone"})
    attributes = {name: given[name] for name in REALTY_PROFILE_FIELDS if name in given}
    if attributes:  # the whole set, so it reads the same whether the worker merges or replaces it
        kept = {name: value for name, value in before.attributes.items() if name in REALTY_PROFILE_FIELDS}
        attributes = kept | attributes
    # Only what the form carries: a field left out keeps its value.
    direct: dict[str, Any] = {n: given[n] for n in ("first_name", "last_name", "city", "email") if n in given}
    if attributes:
        direct["attributes"] = attributes
    return UpdateProfile(**direct, **{f"{name}_url": url for name, url in images.items()})


# --- routes -----------------------------------------------------------------------------------------


@routes.post(
    "/users/register/", body=RegisterBody, responses={200: CodeMessageOut, 400: None, 409: None, 429: None}
)
async def register(request: web.Request) -> web.Response:
    """Register a user and send an SMS activation code (the code is in the answer in development only)."""
    body = await read_body(request, RegisterBody)
    registered = await request.app[BUS].request(
        Register(
            phone=body.phone,
            first_name=body.first_name,
            last_name=body.last_name,
            role=Role(body.role),
            sign_in=False,
            client=client_info(request),
        )
    )
    out = CodeMessageOut(message="User created successfully", code=registered.dev_code)
    return json_response(out.model_dump(exclude_none=True))


@routes.post("/users/activate/", body=CodeBody, responses={200: MessageOut, 400: None, 429: None})
async def activate(request: web.Request) -> web.Response:
    """Activate a user with the SMS code."""
    body = await read_body(request, CodeBody)
    cmd = ActivatePhone(phone=body.phone, code=body.activation_code, client=client_info(request))
    await request.app[BUS].request(cmd)
    return json_response(MessageOut(message="User activated successfully"))


@routes.post("/users/token", body=CodeBody, responses={200: TokenOut, 400: None, 429: None})
async def token(request: web.Request) -> web.Response:
    """Get an access token with the phone and an SMS code."""
    body = await read_body(request, CodeBody)
    signed_in = await request.app[BUS].request(
        LoginWithCode(phone=body.phone, code=body.activation_code, client=client_info(request))
    )
    return json_response(TokenOut(access_token=signed_in.tokens.access_token))


@routes.get("/users/me/", auth=True, responses={200: RealtyUserOut, 401: None})
async def me(request: web.Request) -> web.Response:
    """The current user."""
    user = await request.app[BUS].request(GetMe(), actor=require_actor(request))
    return json_response(user_out(user))


async def update(request: web.Request) -> web.Response:
    """Update the current user's profile (multipart: text fields, `avatar` and `licenses` images)."""
    actor = require_actor(request)
    media = request.app[SETTINGS].media
    images: dict[str, str] = {}
    try:
        form = await _read_update(request, images)
        before = await _own_profile(request, form.phone)
        user = await request.app[BUS].request(_profile_command(form, images, before), actor=actor)
    except BaseException:
        for url in images.values():
            await discard_image(media, url)
        raise
    for name, old in (("avatar", before.avatar_url), ("licenses", before.licenses_url)):
        if name in images and old != images[name]:
            await discard_image(media, old)
    return json_response(UserUpdatedOut(message="User updated successfully", user=user_out(user)))


UPDATE_RESPONSES: dict[int, type[BaseModel] | None] = {200: UserUpdatedOut, 400: None, 401: None}
UPDATE_RESPONSES.update({404: None, 409: None, 413: None})
for _path in ("/users/update/", "/update/"):
    routes.put(
        _path, auth=True, body=UpdateFormDoc, content_type="multipart/form-data", responses=UPDATE_RESPONSES
    )(update)


@routes.post("/users/reset/", body=PhoneBody, responses={200: CodeMessageOut, 400: None, 429: None})
async def reset(request: web.Request) -> web.Response:
    """Send a new SMS code (answers alike whether or not the phone has an account)."""
    body = await read_body(request, PhoneBody)
    sent = await request.app[BUS].request(SendPhoneCode(phone=body.phone))
    out = CodeMessageOut(message="New activation code set", code=sent.dev_code)
    return json_response(out.model_dump(exclude_none=True))


@routes.delete("/users/delete/", auth=True, body=PhoneBody, responses={200: MessageOut, 401: None, 404: None})
async def delete(request: web.Request) -> web.Response:
    """Delete the current user's account, named by its phone."""
    body = await read_body(request, PhoneBody)
    await _own_profile(request, body.phone)
    await request.app[BUS].request(DeleteAccount(), actor=require_actor(request))
    return json_response(MessageOut(message="User deleted successfully"))


async def list_users(request: web.Request) -> web.Response:
    """List users (staff only), `skip` and `limit` for paging."""
    query = read_query(request, ListQuery)
    page = await request.app[BUS].request(
        ListUsers(offset=query.skip, limit=query.limit), actor=require_actor(request)
    )
    return json_response(UserListOut([user_out(user) for user in page.items]))


LIST_RESPONSES: dict[int, type[BaseModel] | None] = {200: UserListOut, 401: None, 403: None}
for _path in ("/users/list/", "/list/"):
    routes.get(_path, auth=True, query=ListQuery, responses=LIST_RESPONSES)(list_users)
