"""What every delivery channel raises, so callers can decide between retrying and giving up."""

from __future__ import annotations


class ChannelError(Exception):
    """A message was not delivered.

    ``transient`` says whether trying again later may succeed (timeouts, connection errors,
    rate limits, 5xx HTTP answers, SMTP 4xx replies); permanent errors (SMTP 5xx, an invalid
    or unsubscribed number) will fail the same way again. ``code`` is the provider's own code
    ("550", "21211") when there is one. ``committed`` is True when the error happened after
    the caller's commit callback had recorded the message as sent, so the outcome at the
    provider is unknown and the caller's record needs correcting.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        code: str | None = None,
        committed: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code
        self.committed = committed


class FenceLost(Exception):
    """The caller's commit callback refused (another worker owns the message): nothing sent."""
