"""The audit log's proofs: an append-only Merkle tree of every accepted event (RFC 9162 hashing).

Every module is pure: `merkle` (hashes and proofs), `heads` (signed tree heads and cosignatures),
`checks` and `bundle` (the offline proof bundle a court receives) import neither aiohttp nor
asyncpg, so a verifier needs nothing of the hub but `hub.audit` and `hub.crypto`. The publisher
that runs inside the hub is hub.services.audit_log.
"""
