"""Clubs: memberships, rosters, club rides and team entries."""
