"""The exception hierarchy: every message says what the user should do next.

The CLI turns a ``GovbriefError`` into one red line and exit code ``exit_code``;
anything else is a bug and shows a traceback only with ``--debug``.
"""


# Secrets that must never reach a message or an output file: the configured API key is added
# when a client is built (rag.llm.OpenAIChat). An endpoint may echo the key back in an error body.
_SECRETS: set[str] = set()
REDACTED = "***"


def register_secret(value: str | None) -> None:
    """Remember a secret so that ``redact`` hides it (values under 6 characters are not secrets)."""
    if value and len(value) >= 6:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``: applied to every error message,
    the export manifest and eval records."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class GovbriefError(Exception):
    """Base class for errors a user can act on."""

    exit_code = 1

    def __str__(self) -> str:
        return redact(super().__str__())


class InputError(GovbriefError):
    """A file or argument we cannot use (empty, binary, bad encoding, missing)."""

    exit_code = 2


class IndexMismatchError(GovbriefError):
    """The index on disk was built with other embedding or chunking settings."""

    exit_code = 3


class StoreLockedError(GovbriefError):
    """Another process holds the store's writer lock longer than ``store.lock_wait``."""

    exit_code = 7


class ModelError(GovbriefError):
    """Local model weights are missing, corrupt or fail verification."""

    exit_code = 4


class LLMError(GovbriefError):
    """The LLM endpoint is down, timed out or answered something unusable."""

    exit_code = 5


class LLMCrashError(LLMError):
    """The local model server process died (for example SIGILL from an unusable CPU feature)."""

    exit_code = 6


class StructuredOutputError(LLMError):
    """The LLM never produced JSON that validates against the schema."""

    def __init__(self, message: str, attempts: int, last_output: str):
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
