"""Every NATS subject, stream and KV bucket name is spelled here and nowhere else."""

from __future__ import annotations

SERVICE_PREFIX = "svc"
EVENT_PREFIX = "evt"
PING_COMMAND = "_ping"

# KV buckets: short-lived shared state.
SCHEDULER_LEASE_BUCKET = "scheduler_lease"
AUTH_KEYS_BUCKET = "auth_keys"
REVOKED_SESSIONS_BUCKET = "revoked_sessions"
RATE_LIMIT_BUCKET = "rate_limits"
# One key per (user, edge) while the user has connections there; expires if the edge dies.
PRESENCE_BUCKET = "presence"
# What was last announced per user (online, last seen), kept without a TTL.
PRESENCE_STATE_BUCKET = "presence_state"


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
