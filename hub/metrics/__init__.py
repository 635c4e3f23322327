"""Prometheus instruments: the counters, gauges and histograms every layer increments, the
process sampler, and the directory where the workers of one port meet.

The bottom floor: imported by the store and the HTTP edge, it imports nothing of the hub above
the basics. What serves /metrics (the scrape, the gauges read from the database) is hub.ops.metrics.
"""
