"""One exception hierarchy: everything followup raises on purpose is a ``FollowupError``.

The command line catches ``FollowupError`` once, at the top, and turns it into a one-line
message and exit status 2. Anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations


class FollowupError(Exception):
    """The base of every error followup reports to a user."""


class UsageError(FollowupError):
    """Bad input from the user: an option, a path, a value out of range."""


class RubricError(FollowupError):
    """A rubric file (or the question bank) that cannot be used; names the file and field."""


class CaseFileError(FollowupError):
    """An eval case or gates file that cannot be used; names the file and the case."""


class ConfigError(FollowupError):
    """Grader settings that do not add up (a model backend without a model, a bad URL)."""


class TranscriptError(FollowupError):
    """A transcript that cannot be read or written."""


class InputError(FollowupError):
    """A transcript given to replay that cannot be reported; names the file and line."""


class BackendError(FollowupError):
    """A backend could not grade a turn (after its own retries); the reason is one line."""


class EvalStopped(FollowupError):
    """An eval run stopped calling a model that failed too often in a row: no verdict."""
