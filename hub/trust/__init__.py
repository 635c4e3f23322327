"""The hub's trust: participants, nonces, and the hub's own keys and signer."""
