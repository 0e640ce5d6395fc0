"""Event tables arrive with the events work."""
