"""Settings live in `base` (development, demo and tests) and `production`."""
