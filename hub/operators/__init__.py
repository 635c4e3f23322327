"""Operators: the people who watch the hub on /ops and act on it."""
