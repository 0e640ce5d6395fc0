"""Industry tables arrive with the industry work."""
