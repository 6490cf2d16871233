"""Demo data: the Bluebird Coffee Roasters merchant with 90 days of carts and recovery.

`python -m cart_admin.demo seed` fills an empty database; `reset` wipes and refills it.
"""

from cart_admin.demo.generator import (
    DEFAULT_SEED,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DemoSummary,
    database_is_empty,
    reset_demo,
    seed_demo,
)
from cart_admin.demo.images import write_images

__all__ = [
    "DEFAULT_SEED",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DemoSummary",
    "database_is_empty",
    "reset_demo",
    "seed_demo",
    "write_images",
]
