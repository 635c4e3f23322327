"""Shared statistics: the rollup worker, the query service, the report page."""
