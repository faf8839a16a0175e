"""The matching domain: who can swap with whom (the engine in `engine/` does the computing)."""
