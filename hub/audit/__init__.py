"""The audit log: an append-only Merkle tree of every accepted event (RFC 9162 hashing).

`merkle` (hashes and proofs), `heads` (signed tree heads and cosignatures) and `bundle` (the
offline proof bundle a court receives) are pure: they import neither aiohttp nor asyncpg, so a
verifier needs nothing of the hub but `hub.audit` and `hub.crypto`. `resources` runs the
tree-head publisher inside the hub.
"""
