"""The HTTP edge: middlewares, signature verification, body and query parsing, problems."""
