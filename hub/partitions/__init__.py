"""Monthly partitions of the event store, created ahead of time by every hub process."""
