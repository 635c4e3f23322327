"""The deadline sweeper: records missed deadlines as the hub's own events, once each."""
