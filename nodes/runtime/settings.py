"""One typed, frozen settings object, read once at start and passed down.

Precedence: built-in defaults < `configs/default.toml` (or `SOUK_CONFIG`) < `SOUK_<SECTION>_<KEY>`
environment variables. `SOUK_NATS_URL` and `SOUK_DATABASE_URL` are the two most operators need.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import orjson

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "configs" / "default.toml"


ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True)
class AppSettings:
    environment: str = "development"  # see ENVIRONMENTS
    event_loop: str = "uvloop"  # uvloop | asyncio (the standard library's; also where uvloop is missing)
    gc_threshold: int = 50_000  # allocations between young garbage collections; 0: Python's default

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


@dataclass(frozen=True)
class NatsSettings:
    url: str = ""  # empty: start the bundled nats-server on a free port
    request_timeout: float = 5.0
    connect_timeout: float = 5.0
    drain_timeout: float = 30.0
    replicas: int = 1  # nodes that keep each KV bucket: 1 on a single server, 3 on a 3-node cluster


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///var/souk.db"
    pool_size: int = 10
    echo: bool = False


@dataclass(frozen=True)
class EdgeSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    trust_forwarded_for: bool = False
    metrics_port: int = 9110  # /metrics on its own listener, never the public port; 0: none
    hsts_max_age_s: int = 0  # Strict-Transport-Security; 0: no header (clients not on HTTPS only)


@dataclass(frozen=True)
class AuthSettings:
    audience: str = "souk"
    algorithms: tuple[str, ...] = ("EdDSA",)
    leeway_s: float = 5.0
    access_ttl_s: int = 900
    refresh_ttl_s: int = 604800
    secure_cookies: bool = False

    @property
    def revocation_ttl_s(self) -> float:
        """How long an ended session must be remembered: as long as its last access token lives."""
        return float(self.access_ttl_s + self.leeway_s + 60)


@dataclass(frozen=True)
class LimitSettings:
    """Attempts allowed per window, shared by every process through NATS KV."""

    login_per_account: int = 10
    login_per_ip: int = 50
    login_window_s: int = 900
    register_per_ip: int = 20
    register_window_s: int = 3600
    refresh_per_ip: int = 120
    refresh_window_s: int = 300


@dataclass(frozen=True)
class MailSettings:
    backend: str = "console"  # console | smtp
    from_address: str = "Souk <no-reply@souk.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False


@dataclass(frozen=True)
class SmsSettings:
    backend: str = "console"  # console | http
    http_url: str = ""
    http_token: str = ""
    sender: str = "Souk"


@dataclass(frozen=True)
class MediaSettings:
    dir: str = "var/media"
    url_prefix: str = "/media/"
    max_image_bytes: int = 5_242_880


@dataclass(frozen=True)
class PresenceSettings:
    ttl_s: float = 30.0  # a (user, edge) key lives this long unless renewed; edges renew every third

    @property
    def renew_every_s(self) -> float:
        return self.ttl_s / 3

    @property
    def rewritten_within_s(self) -> float:
        """Every live key is written again within this long of the bucket's taking writes again:
        one renewal period, and half as much for a busy edge's slices."""
        return self.renew_every_s * 1.5


@dataclass(frozen=True)
class WorkerSettings:
    domains: tuple[str, ...] = ("identity", "chat", "notify", "presence")
    max_inflight: int = 256
    metrics_port: int = 0  # 0: no metrics listener (in `souk run` the edge's listener serves them)


@dataclass(frozen=True)
class SchedulerSettings:
    lease_ttl_s: float = 15.0
    session_purge_interval_s: float = 3600.0
    presence_sweep_interval_s: float = 5.0


@dataclass(frozen=True)
class PathSettings:
    var_dir: str = "var"


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    nats: NatsSettings = field(default_factory=NatsSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    presence: PresenceSettings = field(default_factory=PresenceSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def var_dir(self) -> Path:
        return Path(self.paths.var_dir).resolve()


class SettingsError(ValueError):
    pass


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get("SOUK_CONFIG", "") or DEFAULT_CONFIG)
    from_file: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            from_file = tomllib.load(fh)
    settings = Settings()
    sections = {}
    for section in fields(Settings):
        current = getattr(settings, section.name)
        overrides = dict(from_file.get(section.name, {}))
        unknown = set(overrides) - {f.name for f in fields(current)}
        if unknown:
            raise SettingsError(f"unknown settings in [{section.name}]: {sorted(unknown)}")
        for item in fields(current):
            key = f"SOUK_{section.name}_{item.name}".upper()
            if key in env:
                overrides[item.name] = env[key]
        sections[section.name] = replace(
            current, **{k: _coerce(getattr(current, k), v, k) for k, v in overrides.items()}
        )
    return checked(replace(settings, **sections))


# Per section: the backend that writes what it sends to the log, and the one that delivers. In
# production that log would hold live reset and verification links and sign-in codes for whoever
# reads logs, so the first is refused there.
LOGGING_BACKENDS = {"mail": ("console", "smtp"), "sms": ("console", "http")}


def checked(settings: Settings) -> Settings:
    """Refuse settings that would start but be unsafe, naming the setting to change."""
    if settings.nats.replicas < 1:
        raise SettingsError(f"nats.replicas must be at least 1, not {settings.nats.replicas}")
    environment = settings.app.environment
    if environment not in ENVIRONMENTS:
        raise SettingsError(f"app.environment must be one of {list(ENVIRONMENTS)}, not {environment!r}")
    if environment != "production":
        return settings
    for section, (logging_backend, delivering) in LOGGING_BACKENDS.items():
        if getattr(settings, section).backend == logging_backend:
            raise SettingsError(
                f'{section}.backend = "{logging_backend}" writes every message to the log, live links and '
                f'codes included: refused with app.environment = "production". Set [{section}] backend = '
                f'"{delivering}" (or SOUK_{section.upper()}_BACKEND={delivering}) and configure it.'
            )
    return settings


def _coerce(default: Any, value: Any, name: str) -> Any:
    """Give a file or environment value the type of the setting's default."""
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = value.strip()
                if value.startswith("["):
                    value = orjson.loads(value)
                else:
                    value = [v.strip() for v in value.split(",") if v.strip()]
            return tuple(str(v) for v in value)
        if isinstance(default, (int, float, str)):
            return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"bad value for {name}: {value!r}") from exc
    return value


def as_dict(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)
