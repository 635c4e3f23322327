"""Pull mode: the hub polls platforms' incremental after-sales APIs and ingests what they answer.

Configured in `<data_dir>/platforms.json` (see config.py); without that file nothing is polled.
"""
