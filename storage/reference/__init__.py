"""Reference data shipped with Souk and loaded by migrations: the vehicle references (vehicles.json, its
sources in SOURCES.md; read by `vehicles`) and the seeded categories (`categories`)."""
