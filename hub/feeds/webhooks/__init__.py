"""Signed webhooks: the target guard, Standard Webhooks signatures, payloads, delivery worker."""
