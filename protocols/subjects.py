"""Every NATS subject, stream and KV bucket name is spelled here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_PREFIX = "svc"
EVENT_PREFIX = "evt"
PING_COMMAND = "_ping"


@dataclass(frozen=True)
class BucketConfig:
    """How a KV bucket is made. Whoever finds a bucket missing (a nats-server restart loses the
    in-memory ones, a fresh store all of them) re-creates it from this, so it is declared once."""

    name: str
    ttl_s: float | None = None  # entries expire this long after their last write
    history: int = 1
    in_memory: bool = False  # for state its writers rebuild within a TTL anyway


# KV buckets: short-lived shared state. A TTL that comes from settings makes its config a function.
SCHEDULER_LEASE_BUCKET = "scheduler_lease"
AUTH_KEYS_BUCKET = "auth_keys"
REVOKED_SESSIONS_BUCKET = "revoked_sessions"
RATE_LIMIT_BUCKET = "rate_limits"
RATE_LIMIT_MAX_WINDOW_S = 3600  # the bucket forgets a counter this long after its last write
# One key per (user, edge) while the user has connections there; expires if the edge dies.
PRESENCE_BUCKET = "presence"
# What was last announced per user (online, last seen), kept without a TTL.
PRESENCE_STATE_BUCKET = "presence_state"

AUTH_KEYS = BucketConfig(AUTH_KEYS_BUCKET)
RATE_LIMITS = BucketConfig(RATE_LIMIT_BUCKET, ttl_s=RATE_LIMIT_MAX_WINDOW_S)
PRESENCE_STATE = BucketConfig(PRESENCE_STATE_BUCKET)


@dataclass(frozen=True)
class StreamDeclaration:
    """How a JetStream stream is made; like a bucket's config, whoever finds it missing re-creates it."""

    name: str
    subjects: tuple[str, ...]
    max_msgs: int  # past either limit the stream refuses new messages: the publisher is told to wait
    max_bytes: int
    duplicate_window_s: float  # a message id seen within it is a duplicate: stored once


# Telemetry batches, on a few shard subjects (a vehicle's batches always on the same one), taken by the
# telemetry workers through one durable pull consumer.
TELEMETRY_STREAM = "TELEMETRY"
TELEMETRY_BATCH_PREFIX = "telemetry.batch"
TELEMETRY_CONSUMER = "telemetry"


def telemetry_stream(max_msgs: int, max_bytes: int, duplicate_window_s: float) -> StreamDeclaration:
    return StreamDeclaration(
        TELEMETRY_STREAM, (f"{TELEMETRY_BATCH_PREFIX}.*",), max_msgs, max_bytes, duplicate_window_s
    )


def telemetry_batch(shard: int) -> str:
    return f"{TELEMETRY_BATCH_PREFIX}.{shard}"


def scheduler_lease_bucket(ttl_s: float) -> BucketConfig:
    return BucketConfig(SCHEDULER_LEASE_BUCKET, ttl_s=ttl_s)


def revoked_sessions_bucket(ttl_s: float) -> BucketConfig:
    """An entry only needs to outlive the longest access token of the session it names."""
    return BucketConfig(REVOKED_SESSIONS_BUCKET, ttl_s=ttl_s)


def presence_bucket(ttl_s: float) -> BucketConfig:
    """In memory: the edges rewrite every key within the TTL, so a disk write per renewal buys nothing."""
    return BucketConfig(PRESENCE_BUCKET, ttl_s=ttl_s, in_memory=True)


def svc(domain: str, command: str) -> str:
    """Request/reply to a domain, served in the domain's queue group."""
    return f"{SERVICE_PREFIX}.{domain}.{command}"


def evt(domain: str, event: str) -> str:
    """A fact that happened, fanned out to whoever listens."""
    return f"{EVENT_PREFIX}.{domain}.{event}"


def ping(domain: str) -> str:
    """The liveness probe every worker of a domain answers."""
    return svc(domain, PING_COMMAND)


def rt_user(user_id: int) -> str:
    """Deliveries to one user's live connections, on whichever edges hold them."""
    return f"rt.user.{user_id}"


def queue_group(domain: str) -> str:
    return domain


def domain_of(subject: str) -> str:
    """`svc.identity.get_user` -> `identity`."""
    parts = subject.split(".")
    if len(parts) < 3 or parts[0] not in (SERVICE_PREFIX, EVENT_PREFIX):
        raise ValueError(f"not a domain subject: {subject}")
    return parts[1]
