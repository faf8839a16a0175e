"""Engine and sessions, models per domain, Alembic migrations. Imports nothing of ours."""
