"""Access-token verification on the edge: only the published keys, only access tokens, only allowed algorithms."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from nodes.edge.auth import InvalidToken, KeyRing, TokenVerifier
from nodes.runtime.settings import AuthSettings
from protocols.envelope import Role
from protocols.identity import PublicKeyRecord
from tests.support.tokens import Signer


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
def verifier(signer: Signer) -> TokenVerifier:
    ring = KeyRing()
    ring.add(PublicKeyRecord(kid=signer.kid, alg="EdDSA", public_key_pem=signer.public_pem()))
    return TokenVerifier(ring, AuthSettings())


def test_a_good_access_token_gives_the_actor(signer: Signer, verifier: TokenVerifier) -> None:
    actor = verifier.verify_access(signer.token(5, "manager", sid="sess-1"))
    assert (actor.user_id, actor.role, actor.session_id) == (5, Role.MANAGER, "sess-1")


def test_alg_none_is_refused(signer: Signer, verifier: TokenVerifier) -> None:
    now = int(time.time())
    token = jwt.encode(
        {"sub": "5", "typ": "access", "aud": "souk", "iat": now, "exp": now + 60},
        "",  # no key: PyJWT reads an empty one as none, which alg "none" requires
        algorithm="none",
        headers={"kid": signer.kid},
    )
    with pytest.raises(InvalidToken):
        verifier.verify_access(token)


def hmac_signed_with_public_key(claims: dict[str, object], signer: Signer) -> str:
    """The classic confusion attack: HS256 keyed with the public key (pyjwt refuses to make one)."""
    b64 = jwt.utils.base64url_encode
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": signer.kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(signer.public_pem().encode(), head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def test_another_algorithm_is_refused(signer: Signer, verifier: TokenVerifier) -> None:
    now = int(time.time())
    claims = {"sub": "5", "typ": "access", "aud": "souk", "iat": now, "exp": now + 60}
    hs = hmac_signed_with_public_key(claims, signer)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": signer.kid})
    for token in (hs, rs):
        with pytest.raises(InvalidToken):
            verifier.verify_access(token)


@pytest.mark.parametrize(
    "change",
    [
        {"ttl": -60},  # expired
        {"typ": "refresh"},
        {"aud": "someone-else"},
        {"nbf": int(time.time()) + 3600},
    ],
)
def test_expired_wrong_type_audience_or_not_yet_valid_are_refused(
    signer: Signer, verifier: TokenVerifier, change: dict[str, object]
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify_access(signer.token(5, **change))  # type: ignore[arg-type]


def test_tampered_and_unknown_key_tokens_are_refused(signer: Signer, verifier: TokenVerifier) -> None:
    token = signer.token(5)
    head, payload, sig = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"sub":"5"', b'"sub":"6"')
    ).decode()
    with pytest.raises(InvalidToken):
        verifier.verify_access(f"{head}.{forged}.{sig}")
    with pytest.raises(InvalidToken):
        verifier.verify_access(Signer.generate().token(5))
    with pytest.raises(InvalidToken):
        verifier.verify_access("not.a.jwt")


def test_a_token_verified_before_is_still_refused_once_revoked_expired_or_its_key_withdrawn(
    signer: Signer,
) -> None:
    """The verifier remembers verified tokens; each refusal here is of a remembered one."""
    ring = KeyRing()
    ring.add(PublicKeyRecord(kid=signer.kid, alg="EdDSA", public_key_pem=signer.public_pem()))
    verifier = TokenVerifier(ring, AuthSettings(leeway_s=0))
    revoked, withdrawn = signer.token(5, sid="sess-0"), signer.token(5, sid="sess-1")
    expiring = signer.token(5, sid="sess-2", ttl=1)
    for token in (revoked, withdrawn, expiring):
        assert verifier.verify_access(token).user_id == 5
        assert verifier.verify_access(token).user_id == 5  # the remembered one
    ring.revoked.put("sess-0", b"")
    with pytest.raises(InvalidToken):
        verifier.verify_access(revoked)
    deadline = time.monotonic() + 5
    with pytest.raises(InvalidToken):  # within a second or two, as the token's exp passes
        while time.monotonic() < deadline:
            verifier.verify_access(expiring)
            time.sleep(0.05)
    ring.delete(signer.kid)
    with pytest.raises(InvalidToken):
        verifier.verify_access(withdrawn)
