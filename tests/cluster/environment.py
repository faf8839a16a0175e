"""The settings every process of the cluster test's topology gets on top of the chaos defaults."""

from __future__ import annotations

# The scheduler lease: above a replicated stream's leader election (4 to 9 s, docs/cluster.md), as an
# operator must set it, and short enough that each kill, which outlasts it, would show a takeover.
LEASE_TTL_S = 10.0
PRESENCE_TTL_S = 15.0
# What every process of the topology gets on top of the chaos defaults.
CLUSTER_ENV = {
    "SOUK_NATS_REPLICAS": "3",
    "SOUK_SCHEDULER_LEASE_TTL_S": str(LEASE_TTL_S),
    # Presence keys likewise outlive an election (docs/cluster.md): renewals cannot land during one.
    "SOUK_PRESENCE_TTL_S": str(PRESENCE_TTL_S),
    # The test signs in twice a second on each edge: the limiter must count, not refuse.
    "SOUK_LIMITS_LOGIN_PER_ACCOUNT": "1000000",
    "SOUK_LIMITS_LOGIN_PER_IP": "1000000",
}
