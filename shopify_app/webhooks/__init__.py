"""Webhook intake (``views``), the per-topic handler registry, our own handlers, payload parsing."""
