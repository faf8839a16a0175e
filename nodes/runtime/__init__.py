"""The actor runtime: bus over nats-py, worker base, embedded nats-server, lifecycle, metrics."""
