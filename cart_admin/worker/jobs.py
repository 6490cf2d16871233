"""The periodic jobs. Each is one short transaction and safe to run twice at once."""

from __future__ import annotations

import logging

from cart_admin.db import session_scope
from cart_admin.domain.inventory import release_expired_holds
from cart_admin.models.types import utcnow

log = logging.getLogger(__name__)


def release_holds_job() -> int:
    with session_scope() as session:
        released = release_expired_holds(session, now=utcnow())
    if released:
        log.info("released %d expired inventory holds", released)
    return released


# id -> (function, interval in seconds)
JOBS = {
    "release_expired_holds": (release_holds_job, 60),
}
