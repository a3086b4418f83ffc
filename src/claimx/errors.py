"""Errors that claimx raises; every message says how to fix the problem."""


class ClaimxError(Exception):
    """Base class of claimx's own errors."""


class InputError(ClaimxError):
    """An input cannot be read or parsed."""


class RuleError(ClaimxError):
    """A rules file is malformed."""


class OutputError(ClaimxError):
    """An output cannot be written."""
