"""Errors meant for users: one type per kind, all under ShailooError.

The CLI catches ShailooError once and prints its message as one sentence;
anything else is a bug and shows a traceback only with --debug.
"""


class ShailooError(Exception):
    """Base of every error whose message is written for the user."""


class WorkspaceNotFound(ShailooError):
    pass


class WorkspaceExists(ShailooError):
    pass


class WorkspaceLocked(ShailooError):
    pass


class SchemaTooNew(ShailooError):
    pass


class UnknownFormat(ShailooError):
    pass


class WrongFormat(ShailooError):
    """A file was given (or detected) as one format but is not of it."""


class InputFileError(ShailooError):
    """A file that does not exist or cannot be read."""


class RegistryError(ShailooError):
    """An actor registry file that is not usable."""


class UsageError(ShailooError):
    """An option or argument that does not make sense."""
