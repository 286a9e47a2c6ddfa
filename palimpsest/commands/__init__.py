"""The CLI's command families, one module each; ``palimpsest.cli`` registers them."""
