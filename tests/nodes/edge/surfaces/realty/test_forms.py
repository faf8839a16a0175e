"""Realty (003) `users/update/` and `/update/` with bodies that are not the form they claim to be:
each is a 400 in Realty's `{"detail": ...}` format (they were 500s), and the profile is unchanged."""

from __future__ import annotations

import pytest

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity"), pytest.mark.database_agnostic]

PHONE = "+79197777773"
B = "XyZ"
FORM = f"multipart/form-data; boundary={B}"


def part(name: str, value: str, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f'--{B}\r\nContent-Disposition: form-data; name="{name}"\r\n{head}\r\n{value}\r\n'.encode()


PHONE_PART = part("phone", PHONE)
CITY_PART = part("city", "Алматы")
END = f"--{B}--\r\n".encode()

# (Content-Type, body)
MALFORMED: dict[str, tuple[str, bytes]] = {
    "no boundary parameter": ("multipart/form-data", PHONE_PART + CITY_PART + END),
    "empty boundary": ("multipart/form-data; boundary=", b"--\r\n\r\n--\r\n"),
    "another boundary": ("multipart/form-data; boundary=Other", PHONE_PART + CITY_PART + END),
    "truncated part": (FORM, PHONE_PART + f'--{B}\r\nContent-Disposition: form-data; name="city"\r\n\r\nАлм'.encode()),
    "truncated part headers": (FORM, PHONE_PART + f"--{B}\r\nContent-Disposit".encode()),
    "no closing delimiter": (FORM, PHONE_PART + CITY_PART),
    "garbage": (FORM, b"\x00\x01\xff garbage \r\n\r\n"),
    "empty body": (FORM, b""),
    "part header without a colon": (FORM, PHONE_PART + f"--{B}\r\nContent-Disposition form-data\r\n\r\nx\r\n".encode() + END),
    "part header too long": (FORM, PHONE_PART + f"--{B}\r\nX-Pad: {'a' * 20000}\r\n\r\nx\r\n".encode() + END),
    "nested multipart without a boundary": (FORM, part("city", "x", "Content-Type: multipart/mixed") + END),
    "urlencoded in an unknown charset": ("application/x-www-form-urlencoded; charset=nonesuch", b"city=x"),
}  # fmt: skip


async def signed_in(cluster: Cluster) -> dict[str, str]:
    register = {"phone": PHONE, "first_name": "Иван", "last_name": "Иванов", "role": "user"}
    code = (await json_of(await cluster.edge_a.post("/users/register/", json=register), 200))["code"]
    signed = await json_of(
        await cluster.edge_b.post("/users/token", json={"phone": PHONE, "activation_code": code}), 200
    )
    return bearer(signed["access_token"])


@pytest.mark.parametrize("path", ["/users/update/", "/update/"])
async def test_a_malformed_form_is_a_400_in_realtys_format(cluster: Cluster, path: str) -> None:
    headers = await signed_in(cluster)
    for case, (content_type, body) in MALFORMED.items():
        resp = await cluster.edge_a.put(path, data=body, headers={**headers, "Content-Type": content_type})
        assert resp.status == 400, (case, resp.status, await resp.text())
        answer = await resp.json()
        assert set(answer) == {"detail"} and answer["detail"], (case, answer)
    me = await json_of(await cluster.edge_b.get("/users/me/", headers=headers), 200)
    assert me["city"] is None

    # The same edge still reads a well-formed form.
    good = await cluster.edge_a.put(
        path, data=PHONE_PART + CITY_PART + END, headers={**headers, "Content-Type": FORM}
    )
    assert (await json_of(good, 200))["user"]["city"] == "Алматы"


# aiohttp itself logs the undecodable body once more when it drains it after the answer.
async def test_a_body_its_content_encoding_does_not_decode_is_a_400(cluster: Cluster) -> None:
    headers = await signed_in(cluster)
    for content_type in (FORM, "application/x-www-form-urlencoded", "application/json"):
        resp = await cluster.edge_a.put(
            "/users/update/",
            data=b"not gzip at all",
            # aiohttp drops the connection once it has answered such a body.
            headers={
                **headers,
                "Content-Type": content_type,
                "Content-Encoding": "gzip",
                "Connection": "close",
            },
        )
        assert resp.status == 400, (content_type, resp.status, await resp.text())
        assert set(await resp.json()) == {"detail"}
