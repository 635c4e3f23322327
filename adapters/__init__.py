"""Platform adapters: native after-sales records to canonical events and back."""
