"""Platform adapters: translate each platform's native after-sales records to canonical events and back."""
