"""devshop: a local stand-in for Shopify, for development, demos, tests and benchmarks.

Production code never imports this package. It runs as its own process (``devshop.settings``,
port 8001 in ``make dev``) or, in tests, inside the test process (``devshop.testing``).
"""
