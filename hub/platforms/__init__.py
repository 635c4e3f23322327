"""Platforms speaking their native formats through their adapters: ingest, feeds, the registry."""
