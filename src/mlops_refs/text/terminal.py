"""Text for people at a terminal: a character that is not printable is shown as its escape, so that no file
name, key or title read from a file can move the cursor, recolour the screen or hide what is printed
(escape sequences, C1 controls such as U+009B, bidirectional overrides)."""

from __future__ import annotations

from typing import IO, Any


def for_people(text: str) -> str:
    r"""``text`` with each unprintable character but the line feed written as its escape.

    >>> for_people("key\x9b31m and \u202eevil\n")
    'key\\x9b31m and \\u202eevil\n'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else _escape(c) for c in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


class ForPeople:
    """A text stream (standard output or error) that writes ``for_people`` of what it is given; everything
    else (``flush``, ``buffer`` for the data a command writes as it is) is the stream's own."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its unprintable characters escaped; the length given, as ``write`` returns."""
        self.stream.write(for_people(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
