"""Every business rule, in plain Python: no reflex, no fastapi imports here."""
