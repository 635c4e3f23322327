"""The consumer's personal part: envelope encryption, the salted commitment, masking.

Pure functions over bytes and values; the only file access is the master key file (keyfile.py).
The keys in use inside a running hub (refreshed, re-wrapped after a rotation) are hub.vault.
"""
