"""Realty's `users/update/` form: its fields (multipart with two image files, or urlencoded or JSON
without them; kit/forms.py reads it) and the profile change it makes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.identity import REALTY_PROFILE_FIELDS, UpdateProfile, UserProfile

IMAGE_FIELDS = ("avatar", "licenses")


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
