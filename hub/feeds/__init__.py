"""Feeds: cursor pull, long-poll and SSE over the dense, commit-ordered feed positions."""
