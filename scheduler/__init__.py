"""The scheduler: decides when periodic work runs and publishes it as commands; workers do the work."""
