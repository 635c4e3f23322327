"""The Hangzhou model live: `complaint-hub demo` plays a Double-11 night and the weeks after.

It starts the hub on the embedded database, registers the Hangzhou setting (city, district and
provincial bureaus, village stations, the consumers association, the internet court and fifteen
platforms, each with its own Ed25519 key), runs the platform simulators (`simulators/`) and a
bureau that follows the feed by webhook, and sends the traffic through the signed API.
"""
