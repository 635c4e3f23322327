"""Simulated platforms for the end-to-end tests and the demo.

`pinduoduo.PinduoduoSimulator` serves Pinduoduo's incremental after-sales list API (the hub polls
it) and signs its answers with the platform's key; `jd.JdSimulator` is a JD back-end that reads
the hub's JD feed and pushes its after-sales service updates. `traffic` generates realistic status
progressions for both.
"""
