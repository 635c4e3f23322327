"""The storage layer: every SQL statement of the hub lives under this package."""
