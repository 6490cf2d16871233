"""Adapters for external services (AI, messaging), each built from settings."""
