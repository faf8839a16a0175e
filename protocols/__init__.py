"""What crosses the wire between edges, workers and the scheduler. Imports nothing of ours."""
