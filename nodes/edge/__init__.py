"""The aiohttp edge: stateless, verifies tokens itself, talks to workers over NATS."""
