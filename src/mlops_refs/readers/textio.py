"""Bytes to text for readers: byte-order marks, a declared charset, UTF-8, and a reported guess."""

from __future__ import annotations

import codecs

from .base import Report, UnreadableFileError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
FALLBACK = "cp1252"


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """The encoding a byte-order mark names and the mark's length, or (None, 0)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None, 0


def codec_name(declared: str) -> str | None:
    """Python's name for a declared charset ('latin-9' -> 'iso8859-15'), or None when unknown."""
    aliases = {"latin9": "iso8859-15", "latin-9": "iso8859-15", "latin0": "iso8859-15"}
    name = aliases.get(declared.strip().lower(), declared.strip())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, report: Report, declared: str | None = None) -> str:
    """Decode a file: its BOM, else its declared charset, else UTF-8, else cp1252 (a report line)."""
    name, skip = bom_encoding(data)
    if name is not None:
        try:
            return data[skip:].decode(name)
        except UnicodeDecodeError as exc:
            why = f"{report.file}: starts with a {name} byte-order mark but {exc}"
            raise UnreadableFileError(why) from None
    if declared:
        codec = codec_name(declared)
        if codec is None:
            report.add(1, "encoding", f"unknown charset {declared!r}; read as UTF-8", "guessed")
        else:
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                report.add(line, "encoding", f"not valid {declared} as declared; read as UTF-8", "guessed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.add(line, "encoding", f"not valid UTF-8; read as {FALLBACK} (Windows Western)", "guessed")
        return data.decode(FALLBACK, errors="replace")


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
