"""store/migrations package."""
