"""Realty's `users/update/` form: its fields (multipart with two image files, or urlencoded or JSON
without them; kit/forms.py reads it) and the profile change it makes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.fields import NON_EMPTY, About, City, Contact, Email, Keyword, Label, Line, PersonName, Phone
from protocols.identity import REALTY_PROFILE_FIELDS, UpdateProfile, UserProfile

IMAGE_FIELDS = ("avatar", "licenses")


class UpdateForm(BaseModel):
    """The text fields of `users/update/`; unknown fields are dropped, never forwarded."""

    model_config = ConfigDict(extra="ignore")
    phone: Annotated[Phone, NON_EMPTY]
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    middle_name: PersonName | None = None
    sex: Keyword | None = None
    city: City | None = None
    email: Email | None = None
    user_type: Label | None = None
    whatsapp: Contact | None = None
    telegram: Contact | None = None
    viber: Contact | None = None
    zoom: Line | None = None
    prop_city: Line | None = None
    prop_offer: Line | None = None
    prop_type: Line | None = None
    prop_state: Line | None = None
    about: About | None = None
    notifications_all_messages: bool | None = None
    notifications_new_matches: bool | None = None
    notifications_responses: bool | None = None
    notifications_contacts: bool | None = None
    notifications_news: bool | None = None


class UpdateFormDoc(UpdateForm):
    """`users/update/` as documented: the text fields plus two image files."""

    avatar: str | None = Field(default=None, json_schema_extra={"format": "binary"})
    licenses: str | None = Field(default=None, json_schema_extra={"format": "binary"})


def profile_command(form: UpdateForm, images: dict[str, str], before: UserProfile) -> UpdateProfile:
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
