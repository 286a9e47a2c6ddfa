"""palimpsest package."""
