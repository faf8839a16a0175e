"""The local media store's signing key (configured, or made once under var/ in development) and the
settings that keep a store from starting unsafe: a short key, a bucket not named, production without
a key. The URLs it signs are tested through HTTP (tests/nodes/edge/surfaces/garage/test_files.py)."""

from __future__ import annotations

import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nodes.runtime.media import GENERATED_SECRET_FILE, LocalMediaStore, open_media_store, signing_secret
from nodes.runtime.settings import Settings, SettingsError, load_settings
from nodes.runtime.signed_urls import UploadGrant, UploadRefused, UploadSigner

SECRET = "s" * 32


def settings_in(var_dir: Path, signing_secret: str = "") -> Settings:
    base = load_settings(environ={})
    media = replace(base.media, signing_secret=signing_secret)
    return replace(base, paths=replace(base.paths, var_dir=str(var_dir)), media=media)


def test_without_a_configured_key_one_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = settings_in(tmp_path / "var")
    made = signing_secret(settings)
    assert len(made) == 64 and signing_secret(settings) == made  # another process reads the same
    kept = tmp_path / "var" / GENERATED_SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and [p.name for p in kept.parent.iterdir()] == [
        kept.name
    ]
    assert signing_secret(settings_in(tmp_path / "var", signing_secret=SECRET)) == SECRET.encode()
    assert signing_secret(settings_in(tmp_path / "other")) != made


def test_a_url_signed_under_one_key_is_void_under_another(tmp_path: Path) -> None:
    store = open_media_store(settings_in(tmp_path, signing_secret=SECRET))
    assert isinstance(store, LocalMediaStore)
    grant = UploadGrant(key="files/1/a.jpg", content_type="image/jpeg", max_bytes=10, exact=True,
                        expires=int(time.time()) + 60)  # fmt: skip
    query = store.signer.signed_query(grant)
    assert store.signer.verify(grant.key, query) == grant
    with pytest.raises(UploadRefused, match="not valid"):
        UploadSigner(b"t" * 32).verify(grant.key, query)
    assert "s" * 32 not in repr(store.signer) and SECRET not in repr(
        settings_in(tmp_path, signing_secret=SECRET)
    )


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SOUK_MEDIA_SIGNING_SECRET": "short"}, "media.signing_secret must be at least 32"),
        ({"SOUK_MEDIA_BACKEND": "s3"}, "media.s3_bucket"),
        ({"SOUK_APP_ENVIRONMENT": "production", "SOUK_MAIL_BACKEND": "smtp", "SOUK_SMS_BACKEND": "http"},
         "SOUK_MEDIA_SIGNING_SECRET"),
    ],
)  # fmt: skip
def test_a_store_that_would_start_unsafe_is_refused(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(environ=environ)
