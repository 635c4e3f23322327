"""The canonical records: JSON Schemas loaded once and the checks that run after them."""
