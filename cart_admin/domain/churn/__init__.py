"""Checkout churn detection (spec §5): the signals a session shows, its risk, what to do."""
