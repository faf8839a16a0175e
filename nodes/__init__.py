"""Souk's processes: the actor runtime, the edge, the domain workers and the command line."""
