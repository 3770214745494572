"""The exception hierarchy: every message says what the user should do next.

The CLI turns a ``GovbriefError`` into one red line and exit code ``exit_code``;
anything else is a bug and shows a traceback only with ``--debug``.
"""


class GovbriefError(Exception):
    """Base class for errors a user can act on."""

    exit_code = 1


class InputError(GovbriefError):
    """A file or argument we cannot use (empty, binary, bad encoding, missing)."""

    exit_code = 2


class IndexMismatchError(GovbriefError):
    """The index on disk was built with other embedding or chunking settings."""

    exit_code = 3


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
