"""What platforms and bureaus import: the client, the cursor store, webhook verification.

It imports only `hub.crypto` and libraries, never a server module.
"""
