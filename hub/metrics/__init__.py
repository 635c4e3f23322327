"""Prometheus metrics: instruments, the /metrics handler, database gauges, multiprocess support.

Kept free of imports on purpose: the store and the HTTP layer import `hub.metrics.instruments`
alone, and the handler side imports the store, so this package's __init__ must not join them.
"""
