"""One typed, frozen settings object, read once at start and passed down.

Precedence: built-in defaults < `configs/default.toml` (or `SOUK_CONFIG`) < `SOUK_<SECTION>_<KEY>`
environment variables. `SOUK_NATS_URL` and `SOUK_DATABASE_URL` are the two most operators need.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .setting_values import PORT, Unexpected, at_least, from_env, from_toml, one_of, rule_of

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "configs" / "default.toml"


ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True)
class AppSettings:
    environment: str = field(default="development", metadata=one_of(*ENVIRONMENTS))
    # uvloop | asyncio (the standard library's; also where uvloop is missing)
    event_loop: str = field(default="uvloop", metadata=one_of("uvloop", "asyncio"))
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
    # nodes that keep each KV bucket: 1 on a single server, 3 on a 3-node cluster
    replicas: int = field(default=1, metadata=at_least(1))


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///var/souk.db"
    pool_size: int = 10
    echo: bool = False


@dataclass(frozen=True)
class EdgeSettings:
    host: str = "127.0.0.1"
    port: int = field(default=8000, metadata=PORT)
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_048_576
    trust_forwarded_for: bool = False
    # /metrics on its own listener, never the public port; 0: none
    metrics_port: int = field(default=9110, metadata=PORT)
    hsts_max_age_s: int = 0  # Strict-Transport-Security; 0: no header (clients not on HTTPS only)


@dataclass(frozen=True)
class AuthSettings:
    audience: str = "souk"
    algorithms: tuple[str, ...] = ("EdDSA",)
    leeway_s: float = 5.0
    access_ttl_s: int = 900
    refresh_ttl_s: int = 604800
    # A refresh token presented again this soon after its rotation gets the same successor, not the end
    # of its session: two requests of one client (a page and its stream on two edges) renewing at once
    # are a race, not a theft. 0: every second presentation ends the session.
    refresh_reuse_grace_s: float = 10.0
    secure_cookies: bool = False
    # argon2id's cost per password hash: OWASP's profile (19 MiB, 2 passes), ~20 ms of a core. Stored
    # hashes made with other parameters are upgraded at the next sign-in.
    password_memory_kib: int = 19 * 1024
    password_time_cost: int = 2

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
    backend: str = field(default="console", metadata=one_of("console", "smtp"))
    from_address: str = "Souk <no-reply@souk.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = field(default=25, metadata=PORT)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False


@dataclass(frozen=True)
class SmsSettings:
    backend: str = field(default="console", metadata=one_of("console", "http"))
    http_url: str = ""
    http_token: str = ""
    sender: str = "Souk"


# Content types a member may upload through a presigned URL (Membership Auto's files).
UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")
SIGNING_SECRET_MIN = 32  # characters of `[media] signing_secret`: as many bits as the HMAC's key needs


@dataclass(frozen=True)
class MediaSettings:
    # local: a directory the edges serve (`dir`, `url_prefix`); s3: an S3-compatible bucket
    backend: str = field(default="local", metadata=one_of("local", "s3"))
    dir: str = "var/media"  # the local store's root (nodes/runtime/media.py)
    url_prefix: str = "/media/"
    max_image_bytes: int = field(default=5_242_880, metadata=at_least(1))
    max_video_bytes: int = field(default=52_428_800, metadata=at_least(1))
    # decoded size an image may have: a few compressed bytes can unpack to gigabytes
    max_image_pixels: int = field(default=40_000_000, metadata=at_least(1))
    thumbnail_px: int = field(default=320, metadata=at_least(16))  # a thumbnail's longer side
    max_ad_images: int = field(default=20, metadata=at_least(1))
    max_ad_videos: int = field(default=3, metadata=at_least(1))
    # presigned uploads: what may be sent, how large, and how long a signed URL lives
    upload_content_types: tuple[str, ...] = UPLOAD_CONTENT_TYPES
    max_upload_bytes: int = field(default=10_485_760, metadata=at_least(1))
    upload_url_ttl_s: int = field(default=900, metadata=at_least(1))
    # the local store's key for its upload URLs; empty: one made once under var/ (development only)
    signing_secret: str = field(default="", repr=False)
    # the s3 store: empty endpoint, AWS itself; empty keys, boto3's own chain (environment, IAM role)
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = field(default="", repr=False)
    s3_public_url: str = ""  # where the bucket's objects are read; empty: the endpoint's own URL


@dataclass(frozen=True)
class CatalogSettings:
    # a MaxMind-format (.mmdb) city database for /locations/detect; empty: none, every client gets
    # the default city
    geoip_db: str = ""
    # the city answered when the client's city is not known: a city id (GeoNames') or an English name
    # (the largest city of that name); empty: none
    default_city: str = "Moscow"
    # load the places (7,000 cities, 28,000 names) as the worker starts, not on the first question
    places_at_start: bool = True


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


# Every worker domain there is (nodes/workers/<name>/), in the order a process starts them: the
# default of what `souk run` and `souk worker` serve.
WORKER_DOMAINS = ("identity", "chat", "notify", "presence", "catalog", "market", "moderation", "garage",
                  "telemetry", "matching", "realty", "advisor")  # fmt: skip


@dataclass(frozen=True)
class WorkerSettings:
    domains: tuple[str, ...] = WORKER_DOMAINS
    max_inflight: int = 256
    # 0: no metrics listener (in `souk run` the edge's listener serves them)
    metrics_port: int = field(default=0, metadata=PORT)


@dataclass(frozen=True)
class MarketSettings:
    listing_lifetime_days: int = field(default=30, metadata=at_least(1))  # active, then expired
    # active and pending ads one seller may keep at once (drafts and the rest do not count)
    private_active_limit: int = field(default=10, metadata=at_least(1))
    dealer_active_limit: int = field(default=1000, metadata=at_least(1))
    expiry_batch: int = field(default=500, metadata=at_least(1))  # ads expired per transaction
    # views counted in a worker's memory are written every so often, or once there are this many
    view_flush_interval_s: float = field(default=1.0, metadata=at_least(0.01))
    view_flush_max: int = field(default=1000, metadata=at_least(1))
    comparison_max: int = field(default=4, metadata=at_least(1))  # ads one user compares at once
    # a search's total is kept this long by each market worker (forgotten at once when listings
    # change); 0: counted for every request
    search_total_ttl_s: float = field(default=30.0, metadata=at_least(0.0))
    # a search's total is exact up to this many ads; past it (PostgreSQL) the planner's estimate
    exact_total_max: int = field(default=1000, metadata=at_least(1))
    # a search that matches many walks its order's index for at least this many ads, or this many per
    # ad down to its page's last, before it gathers every match
    search_walk_rows: int = field(default=2000, metadata=at_least(1))
    search_walk_per_ad: int = field(default=50, metadata=at_least(1))
    # a dealer's company (from identity) is kept this long by each market worker; 0: asked every time
    dealer_company_ttl_s: float = field(default=60.0, metadata=at_least(0.0))


@dataclass(frozen=True)
class TelemetrySettings:
    shards: int = field(default=8, metadata=at_least(1))  # subjects telemetry.batch.<0..shards-1>
    # batches the TELEMETRY stream holds for the workers; past either limit an upload is told 429
    stream_max_msgs: int = field(default=200_000, metadata=at_least(1))
    stream_max_bytes: int = field(default=1_073_741_824, metadata=at_least(1024))
    duplicate_window_s: float = field(default=600.0, metadata=at_least(1.0))  # a batch sent again is one
    max_samples: int = field(default=600, metadata=at_least(1))  # per batch
    max_batch_bytes: int = field(default=262_144, metadata=at_least(1024))  # a batch's JSON body
    max_window_s: float = field(default=3600.0, metadata=at_least(1.0))  # endTimestamp - startTimestamp
    max_skew_s: float = field(default=300.0, metadata=at_least(0.0))  # how far ahead a dongle's clock may be
    max_age_s: float = field(default=30 * 86400.0, metadata=at_least(60.0))  # oldest batch taken
    fetch_batch: int = field(default=128, metadata=at_least(1))  # batches a worker takes per transaction
    ack_wait_s: float = field(default=30.0, metadata=at_least(1.0))  # then JetStream delivers again
    trip_gap_s: float = field(default=300.0, metadata=at_least(1.0))  # a trip ends after this long stopped
    raw_retention_s: float = field(default=7 * 86400.0, metadata=at_least(60.0))  # then per-minute rows
    rollup_batch: int = field(default=20_000, metadata=at_least(1))  # raw samples rolled per transaction


@dataclass(frozen=True)
class GarageSettings:
    booking_horizon_days: int = field(default=90, metadata=at_least(1))  # how far ahead a member books
    reminder_lead_s: float = field(default=86_400.0, metadata=at_least(60.0))  # reminded this long before
    reminder_batch: int = field(default=200, metadata=at_least(1))  # reminders sent per command
    offers_radius_km: float = field(default=100.0, metadata=at_least(0.1))  # offers at locations this near
    referral_reward: int = field(default=25, metadata=at_least(0))  # added to a referrer's rewardsBalance
    referral_link_base: str = "https://membershipauto.com/r/"  # a member's link: this, then his code


@dataclass(frozen=True)
class BarterSettings:
    # writes of one user's barter items (create-by-categories, create, PATCH) per window, every edge's
    write_limit: int = field(default=30, metadata=at_least(1))
    write_window_s: int = field(default=60, metadata=at_least(1))
    categories_max_age_s: int = field(default=3600, metadata=at_least(0))  # clients keep the categories


@dataclass(frozen=True)
class ModerationSettings:
    report_resolution_hours: float = field(default=72.0, metadata=at_least(1.0))  # a report's promised answer
    default_ban_days: int = field(default=30, metadata=at_least(1))  # a ban whose length nobody gave


@dataclass(frozen=True)
class ConsoleSettings:
    """The operators' console at /admin (nodes/edge/console)."""

    secure_cookies: bool = False  # its session cookies Secure: set wherever it is served over HTTPS
    page_size: int = field(default=25, metadata=at_least(1))  # rows in one page of its tables


@dataclass(frozen=True)
class MatchingSettings:
    # a want and an offer match when their values differ by at most this share of the larger one
    value_tolerance: float = field(default=0.3, metadata=at_least(0.0))
    max_distance_km: float = field(default=50.0, metadata=at_least(0.0))  # beside the same city
    default_max_participants: int = field(default=10, metadata=at_least(2))  # people in one chain
    max_participants: int = field(default=10, metadata=at_least(2))  # the most a request may ask for
    solver_time_limit_s: float = field(default=10.0, metadata=at_least(0.1))  # then the best found
    change_time_limit_s: float = field(default=0.5, metadata=at_least(0.05))  # a listing change's re-match
    pool_page: int = field(default=1000, metadata=at_least(1))  # items read from the market at once
    run_interval_s: float = field(default=600.0, metadata=at_least(1.0))  # the scheduler's full run
    reviews_per_hour: int = field(default=5, metadata=at_least(1))  # stored reviews an author may write


@dataclass(frozen=True)
class RealtySettings:
    # Realty's currencies in roubles per unit (protocols.market_realty.RealtyCurrency; RUB is 1): how a
    # price and a budget in different currencies are compared. Configured, never downloaded.
    rate_usd: float = field(default=80.0, metadata=at_least(0.0001))
    rate_eur: float = field(default=93.0, metadata=at_least(0.0001))
    rate_kzt: float = field(default=0.155, metadata=at_least(0.0001))
    rate_aed: float = field(default=21.8, metadata=at_least(0.0001))
    rate_try: float = field(default=1.9, metadata=at_least(0.0001))
    rate_gbp: float = field(default=106.0, metadata=at_least(0.0001))
    rate_cny: float = field(default=11.2, metadata=at_least(0.0001))
    # a property's files: images (each layout besides), and its PDF documents' size
    property_images_max: int = field(default=20, metadata=at_least(1))
    property_document_max_bytes: int = field(default=10 * 1024 * 1024, metadata=at_least(1024))

    def rub_per_unit(self) -> dict[str, float]:
        """Every currency's rate by its code, RUB's included."""
        rates = {name.removeprefix("rate_").upper(): getattr(self, name) for name in RATE_FIELDS}
        return {"RUB": 1.0} | rates


@dataclass(frozen=True)
class AdvisorSettings:
    # what writes Car advisor's answers: "rules" (the rule-based advisor, no network) or "openai" (an
    # OpenAI-compatible chat-completions server at base_url)
    backend: str = field(default="rules", metadata=one_of("rules", "openai"))
    base_url: str = "https://api.openai.com/v1"  # POST {base_url}/chat/completions
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"  # the environment variable holding the key (never a setting)
    connect_timeout_s: float = field(default=5.0, metadata=at_least(0.1))
    read_timeout_s: float = field(default=30.0, metadata=at_least(0.1))  # the longest wait for a token
    answer_timeout_s: float = field(default=300.0, metadata=at_least(1.0))  # a whole answer at most
    # a connection failure or 5xx marks the server down this long: messages answer 503 meanwhile
    down_cool_off_s: float = field(default=30.0, metadata=at_least(0.0))
    # text pieces are sent as one chunk at most this often (a sentence's end goes at once)
    chunk_flush_s: float = field(default=0.075, metadata=at_least(0.0))
    # an answer's worker holds it this long past its last renewal; then another worker takes it over
    lease_s: float = field(default=30.0, metadata=at_least(0.5))
    # a stopping worker lets the answers it writes finish this long, then hands the rest over
    stop_grace_s: float = field(default=10.0, metadata=at_least(0.0))


RATE_FIELDS = ("rate_usd", "rate_eur", "rate_kzt", "rate_aed", "rate_try", "rate_gbp", "rate_cny")


@dataclass(frozen=True)
class SchedulerSettings:
    lease_ttl_s: float = 15.0
    session_purge_interval_s: float = 3600.0
    presence_sweep_interval_s: float = 5.0
    listing_expiry_interval_s: float = 300.0
    telemetry_rollup_interval_s: float = 3600.0
    appointment_reminder_interval_s: float = 300.0
    ban_lift_interval_s: float = 300.0
    realty_notice_interval_s: float = 60.0
    realty_catch_up_interval_s: float = 60.0
    advisor_resume_interval_s: float = 30.0


@dataclass(frozen=True)
class PathSettings:
    var_dir: str = "var"


@dataclass(frozen=True)
class LogSettings:
    level: str = field(default="INFO", metadata=one_of("DEBUG", "INFO", "WARNING", "ERROR"))
    format: str = field(default="text", metadata=one_of("text", "json"))  # json: one object a line
    access: bool = True  # a line per HTTP request an edge answers


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
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    presence: PresenceSettings = field(default_factory=PresenceSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    market: MarketSettings = field(default_factory=MarketSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    garage: GarageSettings = field(default_factory=GarageSettings)
    barter: BarterSettings = field(default_factory=BarterSettings)
    moderation: ModerationSettings = field(default_factory=ModerationSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    realty: RealtySettings = field(default_factory=RealtySettings)
    advisor: AdvisorSettings = field(default_factory=AdvisorSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    log: LogSettings = field(default_factory=LogSettings)

    @property
    def var_dir(self) -> Path:
        return Path(self.paths.var_dir).resolve()


class SettingsError(ValueError):
    """A setting that cannot be used; the text names the variable or file and what it should be."""


CONFIG_VARIABLE = "SOUK_CONFIG"
# SOUK_* variables that are not `[section] key` settings: read by souk outside Settings, or by the
# test suite; any other is a typo and refused.
OTHER_VARIABLES = (CONFIG_VARIABLE, "SOUK_ADMIN_PASSWORD")
TEST_SUITE_PREFIX = "SOUK_TEST_"


def variable_name(section: str, key: str) -> str:
    return f"SOUK_{section}_{key}".upper()


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then the settings file, then `SOUK_*` variables; anything that does not fit is
    refused with a `SettingsError` naming where it came from."""
    env = os.environ if environ is None else environ
    from_file, file_name = _read_config(config_file, env)
    _refuse_unknown_variables(env)
    defaults = Settings()
    sections = {
        section.name: _read_section(
            getattr(defaults, section.name), section.name, from_file.get(section.name, {}), file_name, env
        )
        for section in fields(Settings)
    }
    return checked(replace(defaults, **sections))


def _read_section(
    current: Any, name: str, table: dict[str, Any], file_name: str, env: Mapping[str, str]
) -> Any:
    """One section: its defaults, with what the file and then the environment give."""
    values = {}
    for item in fields(current):
        default, rule, variable = getattr(current, item.name), rule_of(item), variable_name(name, item.name)
        try:
            source, given = file_name, table.get(item.name)
            if item.name in table:
                values[item.name] = from_toml(default, given, rule)
            source, given = variable, env.get(variable)
            if given is not None:
                values[item.name] = from_env(default, given, rule)
        except Unexpected as exc:
            raise SettingsError(f"{source}: {name}.{item.name} must be {exc}, not {given!r}") from None
    return replace(current, **values)


def _read_config(config_file: Path | None, env: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    """The settings file's tables and its name for messages; none at all is fine for the default
    file only (an installed package runs on built-in defaults)."""
    named = env.get(CONFIG_VARIABLE, "")
    path = config_file or Path(named or DEFAULT_CONFIG)
    if not path.exists():
        if config_file is None and not named:
            return {}, str(path)
        by = f"{CONFIG_VARIABLE}={named}" if config_file is None else str(path)
        raise SettingsError(f"{by}: no such settings file")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror}") from None
    _refuse_unknown_keys(data, str(path))
    return data, str(path)


def _refuse_unknown_keys(data: dict[str, Any], file_name: str) -> None:
    defaults = Settings()
    sections = {section.name: getattr(defaults, section.name) for section in fields(Settings)}
    for name, table in data.items():
        if name not in sections:
            raise SettingsError(f"{file_name}: unknown section [{name}]{_did_you_mean(name, sections)}")
        if not isinstance(table, dict):
            raise SettingsError(f"{file_name}: {name} must be a [{name}] table of settings")
        keys = [item.name for item in fields(sections[name])]
        for key in table:
            if key not in keys:
                raise SettingsError(
                    f"{file_name}: unknown setting {key} in [{name}]{_did_you_mean(key, keys)}"
                )


def _refuse_unknown_variables(env: Mapping[str, str]) -> None:
    """A misspelt variable would otherwise be ignored without a word."""
    defaults = Settings()
    known = {
        variable_name(section.name, item.name)
        for section in fields(Settings)
        for item in fields(getattr(defaults, section.name))
    }
    known.update(OTHER_VARIABLES)
    for name in sorted(env):
        if name.startswith("SOUK_") and name not in known and not name.startswith(TEST_SUITE_PREFIX):
            raise SettingsError(
                f"{name} is not a souk setting{_did_you_mean(name, known)} (configs/default.toml lists all)"
            )


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean {close[0]}?" if close else ""


# Per section: the backend that writes what it sends to the log, and the one that delivers. In
# production that log would hold live reset and verification links and sign-in codes for whoever
# reads logs, so the first is refused there.
LOGGING_BACKENDS = {"mail": ("console", "smtp"), "sms": ("console", "http")}


def checked(settings: Settings) -> Settings:
    """Refuse settings that would start but be unsafe, naming the setting to change (each value on
    its own was checked as it was read)."""
    _check_media(settings.media)
    if settings.app.environment != "production":
        return settings
    for section, (logging_backend, delivering) in LOGGING_BACKENDS.items():
        if getattr(settings, section).backend == logging_backend:
            raise SettingsError(
                f'{section}.backend = "{logging_backend}" writes every message to the log, live links and '
                f'codes included: refused with app.environment = "production". Set [{section}] backend = '
                f'"{delivering}" (or SOUK_{section.upper()}_BACKEND={delivering}) and configure it.'
            )
    # Each host would make up a key of its own: no upload URL signed by one edge would do on the next.
    if settings.media.backend == "local" and not settings.media.signing_secret:
        raise SettingsError(
            'media.backend = "local" signs upload URLs with media.signing_secret, which is not set: refused '
            'with app.environment = "production". Set SOUK_MEDIA_SIGNING_SECRET (the same on every edge), '
            f'at least {SIGNING_SECRET_MIN} random characters, or use media.backend = "s3".'
        )
    return settings


def _check_media(media: MediaSettings) -> None:
    """A signing key too short to keep its URLs unguessable; an S3 store without its bucket."""
    if media.signing_secret and len(media.signing_secret) < SIGNING_SECRET_MIN:
        raise SettingsError(f"media.signing_secret must be at least {SIGNING_SECRET_MIN} characters long")
    if media.backend == "s3" and not media.s3_bucket:
        raise SettingsError('media.backend = "s3" needs media.s3_bucket (SOUK_MEDIA_S3_BUCKET)')


def as_dict(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)
