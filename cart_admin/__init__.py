"""Cart Admin: themed cart drawers and abandoned-cart recovery for merchants."""

__version__ = "0.1.0"
