"""/metrics as served: the scrape handler behind its token, gauges read from the database at
scrape time, and the values the workers of one port share (instruments: hub.metrics)."""
