"""Realty (seeds/003): its users, at the root (`users/...`). Accounts are phone + SMS code.

Decisions where the document is silent:

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
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, read_body, read_query
from nodes.edge.kit.forms import read_form
from nodes.edge.media import discard_image
from nodes.edge.session_http import client_info, require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols.envelope import DomainError, ErrorCode, Role
from protocols.fields import NON_EMPTY, Offset, PageSize, PersonName, Phone, SmsCode
from protocols.identity import (
    ActivatePhone,
    DeleteAccount,
    GetMe,
    ListUsers,
    LoginWithCode,
    Register,
    SendPhoneCode,
    UserProfile,
)

from .errors import SURFACE
from .forms import IMAGE_FIELDS, UpdateForm, UpdateFormDoc, profile_command
from .shapes import CodeMessageOut, MessageOut, RealtyUserOut, TokenOut, UserListOut, UserUpdatedOut, user_out

routes = SurfaceRoutes(SURFACE)

NOT_FOUND = "User not found"


class PhoneBody(BaseModel):
    phone: Annotated[Phone, NON_EMPTY]


class RegisterBody(PhoneBody):
    first_name: Annotated[PersonName, NON_EMPTY]
    last_name: Annotated[PersonName, NON_EMPTY]
    role: Literal["user", "realtor", "developer", "agency"] = "user"


class CodeBody(PhoneBody):
    activation_code: Annotated[SmsCode, NON_EMPTY]


class ListQuery(BaseModel):
    skip: Offset = 0
    limit: PageSize = 10


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


@routes.post("/users/token", body=CodeBody, responses={200: TokenOut, 400: None, 403: None, 429: None})
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
        form = await read_form(request, UpdateForm, images, image_fields=IMAGE_FIELDS)
        before = await _own_profile(request, form.phone)
        user = await request.app[BUS].request(profile_command(form, images, before), actor=actor)
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
