"""Use cases the handlers call: intake, case checks, the personal part."""
