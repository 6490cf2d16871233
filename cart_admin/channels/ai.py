"""Structured output from Claude through the real ``anthropic`` client.

``AICompleter`` wraps ``anthropic.Anthropic`` (built from settings: key, optional base URL,
model, no retries, a timeout) and asks for JSON shaped like a pydantic model through the
Messages API's JSON-schema output format (the schema ``messages.parse`` would send). The reply
is validated here rather than by the SDK so the tokens a bad reply cost are still known.

Every failure (network, HTTP status, refusal, a reply that does not validate) raises
``AIUnavailable`` with the tokens spent; a reply that arrived but did not validate raises the
subclass ``AIInvalidOutput`` carrying dotted field errors, so a caller can ask for a repair.
Tests point the client at a local fake server via ``base_url``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from anthropic.types import MessageParam

    from cart_admin.settings import Settings

T = TypeVar("T", bound=BaseModel)

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_TOKENS = 2048


class AIUnavailable(RuntimeError):
    """Claude could not give a usable answer (no connection, HTTP error, refusal, bad reply).

    ``usage`` holds the tokens a reply that arrived still cost (zero when none arrived).
    """

    def __init__(self, message: str, *, usage: TokenUsage | None = None) -> None:
        self.usage = usage or TokenUsage()
        super().__init__(message)


class AIInvalidOutput(AIUnavailable):
    """Claude replied, but the reply did not validate; ``errors`` are ``{"field", "message"}``."""

    def __init__(
        self, message: str, errors: list[dict[str, str]], *, usage: TokenUsage | None = None
    ) -> None:
        self.errors = errors
        super().__init__(message, usage=usage)


@dataclass(frozen=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class Completion(Generic[T]):
    value: T
    usage: TokenUsage
    model: str


@lru_cache(maxsize=64)
def _schema_of(output: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema Claude's structured output follows, in the form the API accepts."""
    import anthropic

    return anthropic.transform_schema(output.model_json_schema())


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in e["loc"]) or "__root__",
            "message": str(e["msg"]).removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]


class AICompleter:
    """Asks Claude for output shaped like a pydantic model."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        if not api_key:
            raise ValueError("an API key is required")
        self.model = model
        self.max_tokens = max_tokens
        import anthropic  # here, not at import: the SDK costs a worker 1.5 s to start

        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout
        )

    def parse(
        self,
        *,
        system: str,
        messages: Sequence[ChatMessage],
        output: type[T],
        timeout: float | None = None,
    ) -> Completion[T]:
        """One request; the reply validated by ``output``. Raises AIUnavailable on any failure.

        ``timeout`` (seconds) overrides the client's for this request.
        """
        import anthropic

        params: list[MessageParam] = [
            {"role": m.role, "content": m.text}  # type: ignore[misc]
            for m in messages
        ]
        fmt: dict[str, Any] = {"type": "json_schema", "schema": _schema_of(output)}
        try:
            client = self._client if timeout is None else self._client.with_options(timeout=timeout)
            reply = client.messages.create(  # type: ignore[call-overload]
                model=self.model,
                max_tokens=self.max_tokens,
                system=system,
                messages=params,
                output_config={"format": fmt},
            )
        except anthropic.APIStatusError as exc:
            raise AIUnavailable(f"Claude API error (HTTP {exc.status_code})") from exc
        except anthropic.APITimeoutError as exc:
            raise AIUnavailable("Claude API timed out") from exc
        except anthropic.APIConnectionError as exc:
            raise AIUnavailable("could not reach the Claude API") from exc
        except (anthropic.AnthropicError, ValueError, TypeError) as exc:
            raise AIUnavailable(f"Claude request failed: {type(exc).__name__}") from exc
        usage = TokenUsage(reply.usage.input_tokens, reply.usage.output_tokens)
        text = "".join(block.text for block in reply.content if block.type == "text")
        if reply.stop_reason == "refusal" or not text.strip():
            reason = reply.stop_reason
            raise AIUnavailable(
                f"Claude gave no structured reply (stop reason {reason})", usage=usage
            )
        try:
            value = output.model_validate_json(text)
        except ValidationError as exc:
            errors = _field_errors(exc)
            message = f"Claude's reply did not validate ({len(errors)} errors)"
            raise AIInvalidOutput(message, errors, usage=usage) from exc
        return Completion(value=value, usage=usage, model=self.model)


def ai_completer_from_settings(
    settings: Settings, *, fast: bool = False, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> AICompleter | None:
    """The completer for the configured key and model; None when no API key is set."""
    if not settings.anthropic_api_key:
        return None
    return AICompleter(
        api_key=settings.anthropic_api_key,
        model=settings.anthropic_fast_model if fast else settings.anthropic_model,
        base_url=settings.anthropic_base_url or None,
        timeout=timeout,
    )
