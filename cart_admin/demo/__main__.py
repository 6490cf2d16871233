"""`python -m cart_admin.demo seed|reset|images`: fill, refill or redraw the demo merchant.

Uses DATABASE_URL (via `cart_admin.db.session_scope`) and expects a migrated schema.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from cart_admin.db import session_scope
from cart_admin.demo.generator import (
    DEFAULT_SEED,
    database_is_empty,
    login_hint,
    reset_demo,
    seed_demo,
)
from cart_admin.demo.images import ASSETS_DIR, write_images
from cart_admin.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cart_admin.demo", description=__doc__)
    parser.add_argument("command", choices=("seed", "reset", "images"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if args.command == "images":
        paths = write_images()
        print(f"Wrote {len(paths)} demo images under {ASSETS_DIR}.")
        return 0
    if args.command == "seed" and not get_settings().demo_data:
        print("DEMO_DATA is off; demo data not seeded.")
        return 0
    now = datetime.now(UTC)
    with session_scope() as session:
        if args.command == "seed" and not database_is_empty(session):
            print("Database is not empty; demo data not seeded (use `reset` to wipe and reseed).")
            return 0
        action = "Reset and seeded" if args.command == "reset" else "Seeded"
        summary = (reset_demo if args.command == "reset" else seed_demo)(
            session, now=now, seed=args.seed
        )
    print(f"{action} demo data: {summary.describe()}. {login_hint()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
