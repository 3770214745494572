"""Exceptions raised by govbrief. Every message says what the user should do next."""


class GovbriefError(Exception):
    """Base: message says what to do."""


class InputError(GovbriefError):
    """The user's input (a report file, a path) cannot be used."""


class ModelError(GovbriefError):
    """A local model is missing, damaged or failed its checks."""
