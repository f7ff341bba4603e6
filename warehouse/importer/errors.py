"""The one exception of the importer: the whole file is rejected and nothing changes."""

from __future__ import annotations


class LoadRejected(Exception):
    """A file-level problem; the message is Chinese and names the file and, when relevant, the column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
