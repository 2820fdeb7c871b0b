"""The command's own error: a problem with the user's data, files or options, in one line."""

from __future__ import annotations


class CommandError(Exception):
    """A problem with the user's data or files, reported in one line."""
