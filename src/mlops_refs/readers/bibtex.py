"""BibTeX and BibLaTeX files -> a catalog: what bibtex, biber, JabRef, Zotero and BibDesk write.

Three stages: ``split`` cuts the text into blocks (entries, ``@string``, ``@preamble``, ``@comment``) with a
small linear scanner that recovers per block; ``resolve`` expands macros and ``crossref``/``xdata``;
``_map`` turns one entry's fields into the model's, LaTeX decoded to Unicode. JabRef groups (the
``groups`` field and the ``jabref-meta: grouping:``/``groupstree:`` tree) become the collection tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from ..crosswalk import Format, catalog_type
from ..model import DATE_FIELDS, PEOPLE_FIELDS, Catalog, PartialDate, Person
from ..parallel import Plain, can_fork, map_shared
from ..text.latex import LatexDecoder
from .base import NotThisFormatError, Report
from .builder import CatalogBuilder
from .textio import decode

#: Resource fields a .bib file has no place for: the tree (written by neither writer) and the one-line
#: summary (written as ``abstract``, read back as the abstract).
#: (The tree survives with the writers' groups option: JabRef groups keep titles, nesting and memberships.)
BIBLATEX_LOST: frozenset[str] = frozenset(
    {"collection_ids", "summary", "added"}
    | {"collection.kind", "collection.parent_id", "collection.summary", "collection.title", "collection.url"}
)
#: Classic BibTeX also has no type for software, pages, videos... (all @misc), keeps dates to the month
#: and has no original date.
LOST_FIELDS: frozenset[str] = BIBLATEX_LOST | {"type", "container", "original_date"}

#: Entry types other programs write that the crosswalk names in neither BibTeX nor BibLaTeX; the crosswalk
#: (``catalog_type``) decides the rest, and anything else is a document, with a report line.
OTHER_TYPES = {
    "conference": "conference-paper",
    "mvbook": "book",
    "booklet": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "mastersthesis": "thesis",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "data": "dataset",
    "manual": "documentation",
    "mvproceedings": "proceedings",
    "standard": "standard",
    "video": "video",
    "movie": "video",
    "audio": "audio",
    "music": "audio",
    "image": "image",
    "artwork": "image",
    "letter": "letter",
    "reference": "encyclopedia-entry",
    "periodical": "magazine-article",
    "legislation": "legal",
    "jurisdiction": "legal",
}
MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
LANGUAGES = {
    "english": "en",
    "american": "en",
    "british": "en",
    "german": "de",
    "ngerman": "de",
    "french": "fr",
    "spanish": "es",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "japanese": "ja",
    "chinese": "zh",
    "russian": "ru",
}
#: Fields read into the model as they are (after LaTeX decoding): bib name -> Resource field.
PLAIN = {
    "volume": "volume",
    "publisher": "publisher",
    "institution": "institution",
    "school": "institution",
    "isbn": "isbn",
    "issn": "issn",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "edition": "edition",
    "series": "series",
    "chapter": "chapter",
    "address": "place",
    "location": "place",
    "abstract": "abstract",
    "note": "note",
    "issue": "issue",
}
#: Fields our mapping reads or that only steer other fields.
HANDLED = frozenset(
    {
        *PLAIN,
        "author",
        "editor",
        "translator",
        "title",
        "journal",
        "journaltitle",
        "booktitle",
        "howpublished",
        "organization",
        "number",
        "pages",
        "year",
        "month",
        "date",
        "origdate",
        "urldate",
        "doi",
        "url",
        "eprint",
        "archiveprefix",
        "eprinttype",
        "primaryclass",
        "eprintclass",
        "keywords",
        "tags",
        "language",
        "langid",
        "groups",
        "crossref",
        "xdata",
        "ids",
        "key",
        "type",
        "pubstate",
    }
)
_ENCODING = re.compile(rb"^%\s*Encoding:\s*([A-Za-z0-9._:-]+)", re.MULTILINE)
_EMACS = re.compile(rb"-\*-.*?coding:\s*([A-Za-z0-9._-]+).*?-\*-")
_BLOCK_START = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_AT_LINE = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")
_NAME = re.compile(r"[^\s=,{}()\"#%]+")
_COMMENT_LINE = re.compile(r"[ \t]*%")
_SPACE_OR_COMMENT = re.compile(r"(?:\s|%[^\n]*)*")
# The common field in one match, with the space before it and the comma after it: a name, and a value that is
# a number or one braced group nesting at most two deep, on one line, with no '#' after it. Anything else
# takes the general path (_field), which reads the same text the same way.
_BRACED_TEXT = r"[^{}\\\n]*(?:\\[^\n][^{}\\\n]*)*"  # unrolled: one scan per run of plain text
_SIMPLE_FIELD = re.compile(
    r"\s*([^\s=,{}()\"#%]+)[ \t]*=[ \t]*"
    r"(?:\{("
    + _BRACED_TEXT
    + r"(?:\{"
    + _BRACED_TEXT
    + r"(?:\{"
    + _BRACED_TEXT
    + r"\}"
    + _BRACED_TEXT
    + r")*\}"
    + _BRACED_TEXT
    + r")*)\}"
    r"|([0-9]+)(?![^\s=,{}()\"#%]))"
    r"(?!(?:\s|%[^\n]*)*#)[ \t]*,?"
)
_BRACE_WORK = re.compile(r'[\\{}"\n]')  # what a value's scan stops at: escapes, braces, quotes, new lines
MAX_VALUE = 1_000_000  # characters in one field value after macro expansion
_SPACE = re.compile(r"\s+")
_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_BIBLATEX_SIGNS = re.compile(
    # not date or eprinttype: BibTeX files carry them too (ours, beside year and archivePrefix)
    r"^[ \t]*(journaltitle|eprintclass|langid|location|origdate)\s*=|"
    r"@(online|software|dataset|report|thesis|mvbook|bookinbook)\s*[{(]",
    re.MULTILINE | re.IGNORECASE,
)
_ARXIV = re.compile(r"^(?:arxiv:)?\s*((?:\d{4}\.\d{4,5})|(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}))(?:v\d+)?$", re.I)
_DOI = re.compile(r"^(?:doi:\s*|https?://[^/\s]+/)?(10\.\d{4,9}/[^\s{}\\]+)$", re.I)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_EXTENDED_NAME = re.compile(r"\s*(family|given|prefix|suffix)\s*=")  # biblatex's "family=Smith, given=Ann"
_URL_IN_HOWPUBLISHED = re.compile(r"\s*\\url\s*\{([^{}]*)\}\s*")
_TAG_SEPARATOR = re.compile(r"[,;]")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_GROUP_LINE = re.compile(r"^(\d+)\s+(\w+):(.*)$")


@dataclass
class Entry:
    """One entry as written: type, key, fields in order (names lower-cased), where it starts."""

    type: str
    key: str | None
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Blocks:
    """What a file holds: entries in order, macros, and the text of its comments."""

    entries: list[Entry] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    end: int = 0  # where the scan stopped: the end of the last block read


class _Scanner:
    """A forward-only scanner over the text that knows the line number of where it is."""

    def __init__(self, text: str, report: Report) -> None:
        self.text = text
        self.pos = 0
        self.report = report
        self._line_pos = 0
        self._line = 1
        self.macros: dict[str, str] = {}

    def line(self, pos: int | None = None) -> int:
        pos = self.pos if pos is None else pos
        if pos < self._line_pos:  # only ever a little backwards: count from the start of the block
            return self._line - self.text.count("\n", pos, self._line_pos)
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_space(self) -> None:
        """Past white space and '%' comments (inside an entry, as biber and JabRef read them)."""
        self.pos = _SPACE_OR_COMMENT.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def balanced(self, close: str) -> str:
        """Text up to the matching close (``}`` or ``"`` at brace depth 0); ValueError when it never comes."""
        text, start, depth = self.text, self.pos, 0
        i = start
        while (found := _BRACE_WORK.search(text, i)) is not None:  # past plain text in one step
            i = found.start()
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    if close == "}":
                        self.pos = i + 1
                        return text[start:i]
                    raise ValueError("a '}' closes a brace that was never opened")
                depth -= 1
            elif c == '"' and close == '"' and depth == 0:
                self.pos = i + 1
                return text[start:i]
            elif c == "\n" and _BLOCK_START.match(text, i + 1):
                raise ValueError("the value runs into the next entry; a closing brace or quote is missing")
            i += 1
        raise ValueError("the value is never closed")

    def value(self, field_name: str, line: int) -> str:
        """One field value: braced, quoted, a number or a macro, joined by ``#``."""
        parts, length = [], 0
        while True:
            self.skip_space()
            c = self.text[self.pos : self.pos + 1]
            if c == "{":
                self.pos += 1
                parts.append(self.balanced("}"))
            elif c == '"':
                self.pos += 1
                parts.append(self.balanced('"'))
            else:
                match = _NAME.match(self.text, self.pos)
                if not match:
                    raise ValueError(f"{field_name}: a value was expected, found {c or 'the end'!r}")
                self.pos = match.end()
                word = match.group()
                parts.append(self._macro(word, field_name, line))
            length += len(parts[-1])
            if length > MAX_VALUE:  # @string macros that double each other grow like billion laughs
                raise ValueError(f"{field_name}: the value grows beyond {MAX_VALUE:,} characters")
            self.skip_space()
            if self.text.startswith("#", self.pos):
                self.pos += 1
                continue
            return "".join(parts)

    def _macro(self, word: str, field_name: str, line: int) -> str:
        if word.isdigit():
            return word
        lowered = word.lower()
        if lowered in self.macros:
            return self.macros[lowered]
        if lowered in MONTHS:
            return str(MONTHS[lowered]) if field_name == "month" else word.capitalize()
        self.report.add(line, field_name, f"undefined macro {word!r}; kept as the text {word!r}", "changed")
        return word


def split(text: str, report: Report, start: int = 0, stop: int | None = None) -> Blocks:
    """Cut a .bib text into entries, macros and comments; a broken block is skipped and reported.

    With ``start`` and ``stop``, only the blocks that start in ``text[start:stop]`` (``start`` at a line's
    start); ``Blocks.end`` then tells where the last one ended.
    """
    scan = _Scanner(text, report)
    scan.pos = start
    blocks = Blocks()
    finder = _BlockFinder(text)
    n = len(text)
    while True:
        at = finder.next(scan.pos)
        if at is None or (stop is not None and at >= stop):
            break
        match = _BLOCK_START.match(text, at)
        if match is None:
            scan.pos = at + 1
            continue
        kind = match.group(1).lower()
        close = "}" if match.group(2) == "{" else ")"
        scan.pos = match.end()
        line = scan.line(at)
        try:
            if kind == "comment":
                body = scan.balanced("}") if close == "}" else _until_paren(scan)
                blocks.comments.append(body)
            elif kind == "preamble":  # LaTeX for the bibliography's typesetting: nothing to read
                scan.balanced("}") if close == "}" else _until_paren(scan)
            elif kind == "string":
                _string(scan, close, line)
            else:
                blocks.entries.append(_entry(scan, kind, close, line))
        except ValueError as exc:
            report.skip(line, f"@{match.group(1)} not read: {exc}")
            resume = _AT_LINE.search(text, match.end())
            scan.pos = n if resume is None else resume.start() + 1
    blocks.end = scan.pos
    return blocks


class _BlockFinder:
    """Finds each '@' that starts a block, skipping '%' comment lines, in one forward pass over the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen = 0  # the text before here has been looked at for line starts
        self._comment = _COMMENT_LINE.match(text, 0) is not None  # is the line holding ``_seen`` a comment

    def _on_comment_line(self, at: int) -> bool:
        newline = self.text.rfind("\n", self._seen, at)  # only the part not looked at before: linear overall
        if newline >= 0:
            self._comment = _COMMENT_LINE.match(self.text, newline + 1) is not None
        self._seen = at
        return self._comment

    def next(self, pos: int) -> int | None:
        """The next '@' at or after ``pos`` that is not on a '%' comment line."""
        text = self.text
        while True:
            at = text.find("@", pos)
            if at < 0:
                return None
            if self._on_comment_line(at):
                end = text.find("\n", at)
                if end < 0:
                    return None
                pos = end + 1
                continue
            return at


def _until_paren(scan: _Scanner) -> str:
    end = scan.text.find(")", scan.pos)
    if end < 0:
        raise ValueError("the @comment is never closed")
    body = scan.text[scan.pos : end]
    scan.pos = end + 1
    return body


def _expect(scan: _Scanner, close: str) -> None:
    scan.skip_space()
    if scan.text.startswith(",", scan.pos):
        scan.pos += 1
        scan.skip_space()
    if not scan.text.startswith(close, scan.pos):
        found = scan.text[scan.pos : scan.pos + 1] or "the end"
        raise ValueError(f"expected {close!r}, found {found!r}")
    scan.pos += 1


def _string(scan: _Scanner, close: str, line: int) -> None:
    scan.skip_space()
    match = _NAME.match(scan.text, scan.pos)
    if not match:
        raise ValueError("@string without a name")
    scan.pos = match.end()
    scan.skip_space()
    if not scan.text.startswith("=", scan.pos):
        raise ValueError(f"@string {match.group()}: '=' expected")
    scan.pos += 1
    scan.macros[match.group().lower()] = scan.value(match.group(), line)
    _expect(scan, close)


def _entry(scan: _Scanner, kind: str, close: str, line: int) -> Entry:
    text = scan.text
    scan.skip_space()
    end_key = scan.pos
    while end_key < len(text) and text[end_key] not in ",\n\r\t }" + close:
        end_key += 1
    key = text[scan.pos : end_key].strip() or None
    key_start, scan.pos = scan.pos, end_key
    scan.skip_space()
    if text.startswith("=", scan.pos):  # a keyless entry (`@article{ author = ...`): that was a field name
        key, scan.pos = None, key_start
    entry = Entry(kind, key, line)
    if key is None and not text.startswith((",", close), scan.pos):
        return _fields(scan, entry, close)
    if text.startswith(close, scan.pos):
        scan.pos += 1
        return entry
    if not text.startswith(",", scan.pos):
        raise ValueError(f"a ',' was expected after the key {key!r}")
    scan.pos += 1
    return _fields(scan, entry, close)


def _fields(scan: _Scanner, entry: Entry, close: str) -> Entry:
    text = scan.text
    simple_field = _SIMPLE_FIELD.match
    while True:
        simple = simple_field(text, scan.pos)
        if simple is not None and simple.end() - simple.start() <= MAX_VALUE:
            name, braced, number = simple.groups()
            name = name.lower()
            field_line = scan.line(simple.start(1))
            value = number if braced is None else braced
            scan.pos = simple.end()
        else:
            scan.skip_space()
            if text.startswith(close, scan.pos):
                scan.pos += 1
                return entry
            if text.startswith(",", scan.pos):
                scan.pos += 1
                continue
            name, field_line, value = _field(scan)
        if name in entry.fields:
            scan.report.add(field_line, name, "given twice in one entry; the first value is kept", "dropped")
        else:
            entry.fields[name] = value
            entry.lines[name] = field_line


def _field(scan: _Scanner) -> tuple[str, int, str]:
    """One field of any form: its name (lower-cased), line and value."""
    text = scan.text
    match = _NAME.match(text, scan.pos)
    if not match:
        found = text[scan.pos : scan.pos + 1] or "the end of the file"
        raise ValueError(f"a field name was expected, found {found!r}")
    name = match.group().lower()
    field_line = scan.line(match.start())
    scan.pos = match.end()
    scan.skip_space()
    if not text.startswith("=", scan.pos):
        raise ValueError(f"field {name!r}: '=' expected")
    scan.pos += 1
    return name, field_line, scan.value(name, field_line)


def declared_encoding(data: bytes) -> str | None:
    """The charset a file declares: JabRef's ``% Encoding: X`` or an Emacs ``-*- coding: X -*-`` line."""
    head = data[:4096]
    match = _ENCODING.search(head) or _EMACS.search(head)
    if match is None:
        return None
    name = re.sub(r"-(unix|dos|mac)$", "", match.group(1).decode("ascii"))  # Emacs' line-ending suffix
    # UTF-8 holds ASCII: a file declared ASCII with UTF-8 in it (keys bibtex cannot encode) reads as such
    return "utf-8" if name.lower() in ("ascii", "us-ascii") else name


# --- entries to records


def resolve(entries: list[Entry], report: Report) -> None:
    """Fill each entry's missing fields from its ``crossref`` and ``xdata`` parents (one level, in order)."""
    by_key = {e.key.lower(): e for e in entries if e.key}
    for entry in entries:
        parents = []
        for name in ("xdata", "crossref"):
            for parent_key in (k.strip() for k in entry.fields.get(name, "").split(",") if k.strip()):
                parent = by_key.get(parent_key.lower())
                if parent is None or parent is entry:
                    report.add(entry.lines[name], name, f"no entry {parent_key!r} in the file", "dropped")
                else:
                    parents.append(parent)
        for parent in parents:
            taken = []
            for name, value in parent.fields.items():
                target = name
                if name == "title" and parent.type in ("proceedings", "book", "mvbook", "mvproceedings"):
                    target = "booktitle"
                if target not in entry.fields and name not in ("crossref", "xdata", "ids", "key"):
                    entry.fields[target] = value
                    entry.lines[target] = entry.line
                    taken.append(target)
            if taken:
                report.add(entry.line, "crossref", f"{', '.join(taken)} from {parent.key!r}", "note")


def _date(text: str) -> PartialDate | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        from datetime import date

        date(year, month or 1, day or 1)  # type: ignore[arg-type]
    except ValueError:
        return None
    return PartialDate(year, month, day)  # type: ignore[arg-type]


class _Mapper:
    """One entry's fields -> Resource fields; what does not fit is kept in ``extra`` or reported."""

    def __init__(self, report: Report, fmt: Format) -> None:
        self.report = report
        self.fmt: Format = fmt
        self.other_fmt: Format = "bibtex" if fmt == "biblatex" else "biblatex"
        self.latex = LatexDecoder()
        self._name_lists: dict[str, list[str]] = {}
        self._people: dict[str, Person | None] = {}

    def text(self, entry: Entry, name: str, multiline: bool = False) -> str | None:
        value = entry.fields.get(name)
        if value is None:
            return None
        return self.latex.text(value, multiline) or None

    def people(self, entry: Entry, name: str) -> tuple[Person, ...]:
        raw = entry.fields.get(name)
        if not raw:
            return ()
        people = []
        for part in self._name_list(raw):
            person = self.person(part, entry.lines[name], name)
            if person is not None:
                people.append(person)
        return tuple(people)

    def _name_list(self, raw: str) -> list[str]:
        """The names of a name list, split on 'and' as BibTeX does; remembered (authors repeat in a file)."""
        names = self._name_lists.get(raw)
        if names is None:
            from pybtex.bibtex.utils import split_name_list

            if len(self._name_lists) > 100_000:
                self._name_lists.clear()
            names = self._name_lists[raw] = split_name_list(_SPACE.sub(" ", raw).strip())
        return names

    def person(self, raw: str, line: int, name: str) -> Person | None:
        if raw.lower() == "others":
            self.report.add(line, name, "'and others' dropped (the list is cut short there)", "dropped")
            return None
        if raw not in self._people:
            if len(self._people) > 100_000:
                self._people.clear()
            self._people[raw] = self._person(raw)
        person = self._people[raw]
        if person is None:
            self.report.add(line, name, f"{raw!r} is not a BibTeX name; kept whole", "changed")
            return Person(literal=self.latex.text(raw))
        return person

    def _person(self, raw: str) -> Person | None:
        """The person ``raw`` names; ``None`` when it is not a BibTeX name."""
        if raw.startswith("{") and raw.endswith("}") and _balanced_whole(raw):
            return Person(literal=self.latex.text(raw[1:-1]) or raw)
        if "=" in raw and _EXTENDED_NAME.match(raw):
            return self._extended(raw)
        from pybtex.database import Person as BibPerson

        try:
            p = BibPerson(raw)
        except Exception:
            return None
        family = self.latex.text(" ".join(p.last_names))
        given = self.latex.text(" ".join(p.first_names + p.middle_names))
        particle = self.latex.text(" ".join(p.prelast_names))
        suffix = self.latex.text(" ".join(p.lineage_names))
        if not family:
            return Person(literal=self.latex.text(raw))
        return Person(family=family, given=given or None, particle=particle or None, suffix=suffix or None)

    def _extended(self, raw: str) -> Person:
        parts = {}
        for item in _split_depth0(raw, ","):
            key, _, value = item.partition("=")
            parts[key.strip().lower()] = self.latex.text(value.strip())
        family = parts.get("family")
        if not family:
            return Person(literal=self.latex.text(raw))
        return Person(
            family=family,
            given=parts.get("given") or None,
            particle=parts.get("prefix") or None,
            suffix=parts.get("suffix") or None,
        )

    def fields(self, entry: Entry) -> dict[str, Any]:
        report, f = self.report, entry.fields
        out: dict[str, Any] = {}
        kind = entry.type
        found = catalog_type(self.fmt, kind) or catalog_type(self.other_fmt, kind) or OTHER_TYPES.get(kind)
        out["type"] = found or "document"
        if found is None:
            report.add(
                entry.line, "type", f"@{kind} has no type of its own here; read as a document", "guessed"
            )
        out["title"] = self.text(entry, "title") or "(untitled)"
        if "title" not in f:
            report.add(entry.line, "title", "missing; the record is called '(untitled)'", "guessed")
        for role, name in (("authors", "author"), ("editors", "editor"), ("translators", "translator")):
            if people := self.people(entry, name):
                out[role] = people
        container = next(
            (self.text(entry, n) for n in ("journaltitle", "journal", "booktitle") if n in f), None
        )
        how = f.get("howpublished", "")
        # verbatim: '%' and '_' are not LaTeX there; BibDesk keeps its links in bdsk-url-1, -2...
        url_field = "url" if "url" in f else ("bdsk-url-1" if "bdsk-url-1" in f else None)
        url = _SPACE.sub("", f[url_field]) if url_field else None
        url_in_how = _URL_IN_HOWPUBLISHED.fullmatch(how) if how else None
        if url_in_how:
            url = url or url_in_how.group(1).strip()
        elif how:
            if container is None:
                container = self.text(entry, "howpublished")
            else:
                out.setdefault("extra", []).append(("howpublished", self.text(entry, "howpublished") or ""))
        organization = self.text(entry, "organization")
        if organization and organization != container:  # an @online's site may be in both fields
            if kind == "online" and container is None:
                container = organization
            elif "publisher" not in f:
                out["publisher"] = organization
            else:
                out.setdefault("extra", []).append(("organization", organization))
        if container:
            out["container"] = container
        for bib_name, ours in PLAIN.items():
            if bib_name in f and ours not in out:
                value = self.text(entry, bib_name, multiline=ours in ("abstract", "note"))
                if value:
                    out[ours] = value
        number = self.text(entry, "number")
        if number:
            if kind == "article" and "issue" not in out:
                out["issue"] = number
            else:
                out["number"] = number
        if pages := self.text(entry, "pages"):
            out["pages"] = pages.replace("\u2013", "-").replace("--", "-")
        self._dates(entry, out)
        self._identifiers(entry, out, url)
        # keywords, and calibre's tags (all of a book's tags in one field)
        keywords = self.text(entry, "keywords")
        if "tags" in f:
            keywords = ",".join(t for t in (keywords, self.text(entry, "tags")) if t)
        if keywords:
            tags = [t.strip() for t in _TAG_SEPARATOR.split(keywords)]
            out["tags"] = list(dict.fromkeys(t for t in tags if t))
        language = (self.text(entry, "langid") or self.text(entry, "language") or "").strip()
        if language:
            code = LANGUAGES.get(language.lower(), language.lower())
            if _LANGUAGE_CODE.fullmatch(code):
                out["language"] = code
            else:
                out.setdefault("extra", []).append(("language", language))
        prepublished = f.get("pubstate", "").strip() == "prepublished"
        if out.get("arxiv") and (kind == "misc" or (kind == "online" and prepublished)):
            out["type"] = "preprint"
        if "ids" in f:
            out["aliases"] = tuple(a.strip() for a in f["ids"].split(",") if a.strip())
        if "key" in f:
            report.add(entry.lines["key"], "key", "a sorting key for bibtex styles; not kept", "dropped")
        extra = out.setdefault("extra", [])
        for name, value in f.items():
            if name not in HANDLED and not (name == "bdsk-url-1" and url_field == name):
                extra.append((name, self.latex.text(value, multiline=True)))
        if not extra:
            del out["extra"]
        else:
            out["extra"] = tuple(extra)
        for role in PEOPLE_FIELDS:
            if role in out:
                out[role] = tuple(out[role])
        return out

    def _dates(self, entry: Entry, out: dict[str, Any]) -> None:
        f, report = entry.fields, self.report
        if "date" in f:
            raw = self.latex.text(f["date"])
            issued = _date(raw)
            if issued is None:
                report.add(entry.lines["date"], "date", f"{raw!r} is not a date; kept in extra", "dropped")
                out.setdefault("extra", []).append(("date", raw))
            else:
                if issued.iso() != raw:
                    report.add(entry.lines["date"], "date", f"{raw!r} read as {issued.iso()}", "changed")
                out["issued"] = issued
        elif "year" in f:
            raw = self.latex.text(f["year"])
            match = re.search(r"\d{4}", raw)
            month = None
            if "month" in f:
                month_raw = self.latex.text(f["month"]).strip().lower().rstrip(".")
                month = int(month_raw) if month_raw.isdigit() else MONTHS.get(month_raw)
                if month is not None and not 1 <= month <= 12:
                    month = None
                if month is None:
                    report.add(
                        entry.lines["month"], "month", f"{month_raw!r} is not a month; dropped", "dropped"
                    )
            if match is None:
                report.add(entry.lines["year"], "year", f"{raw!r} is not a year; kept in extra", "dropped")
                out.setdefault("extra", []).append(("year", raw))
            else:
                if match.group() != raw.strip():
                    report.add(entry.lines["year"], "year", f"{raw!r} read as {match.group()}", "changed")
                out["issued"] = PartialDate(int(match.group()), month)
        for bib_name, ours in (("urldate", "accessed"), ("origdate", "original_date")):
            if bib_name in f:
                raw = self.latex.text(f[bib_name])
                value = _date(raw)
                if value is None:
                    report.add(entry.lines[bib_name], bib_name, f"{raw!r} is not a date; dropped", "dropped")
                else:
                    out[ours] = value

    def _identifiers(self, entry: Entry, out: dict[str, Any], url: str | None) -> None:
        f, report = entry.fields, self.report
        if "doi" in f:
            raw = _SPACE.sub("", f["doi"]).replace("\\_", "_")
            match = _DOI.match(raw.strip())
            if match:
                out["doi"] = match.group(1)
                if match.group(1) != raw.strip():
                    report.add(entry.lines["doi"], "doi", f"{raw!r} read as {match.group(1)!r}", "changed")
            else:
                report.add(entry.lines["doi"], "doi", f"{raw!r} is not a DOI; kept in extra", "dropped")
                out.setdefault("extra", []).append(("doi", raw))
        if url:
            out["url"] = url.strip()
        if "eprint" in f:
            prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").strip().lower()
            raw = _SPACE.sub("", f["eprint"])
            match = _ARXIV.match(raw.strip())
            if match and (
                prefix == "arxiv" or (not prefix and raw.lower().startswith("arxiv:")) or prefix == ""
            ):
                out["arxiv"] = match.group(1)
                klass = (f.get("primaryclass") or f.get("eprintclass") or "").strip()
                if klass and re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", klass):
                    out["arxiv_class"] = klass
            else:
                extra = out.setdefault("extra", [])
                extra.append(("eprint", raw))
                for name in ("archiveprefix", "eprinttype", "primaryclass", "eprintclass"):
                    if name in f:
                        extra.append((name, self.latex.text(f[name])))


def _balanced_whole(raw: str) -> bool:
    """True when the first brace of ``raw`` closes at its last character: '{Barnes and Noble}'."""
    depth = 0
    for i, c in enumerate(raw):
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return i == len(raw) - 1
    return False


def _split_depth0(text: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


# --- JabRef groups


def group_names(value: str, known: dict[str, str]) -> list[str]:
    """The groups a ``groups`` field names: split on ',', rejoining pieces that form a known group's name."""
    pieces = [p.strip() for p in value.split(",")]
    names, i = [], 0
    while i < len(pieces):
        # the longest run of up to 8 pieces that is a known name (bounded: a field may hold thousands)
        longest = min(len(pieces), i + 8)
        end = next((j for j in range(longest, i + 1, -1) if ", ".join(pieces[i:j]) in known), i + 1)
        name = ", ".join(pieces[i:end])
        if name:
            names.append(name)
        i = end
    return names


def _unquote(text: str) -> list[str]:
    r"""Split on ';' where a backslash escapes the next character: 'a\;b;c' -> ['a;b', 'c']."""
    items, current, chars = [], [], iter(text)
    for c in chars:
        if c == "\\":
            current.append(next(chars, ""))
        elif c == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(c)
    items.append("".join(current))
    return items


def group_tree(comments: list[str]) -> list[tuple[int, str, list[str]]]:
    """JabRef's group tree as (level, name, explicit keys) in file order, from either meta comment form."""
    out = []
    for comment in comments:
        body = comment.strip()
        if not body.startswith("jabref-meta:"):
            continue
        head, _, rest = body[len("jabref-meta:") :].partition(":")
        if head.strip() not in ("grouping", "groupstree"):
            continue
        for line in rest.splitlines():
            match = _GROUP_LINE.match(line.strip())
            if not match or match.group(2) == "AllEntriesGroup":
                continue
            items = _unquote(
                _unquote(match.group(3))[0]
            )  # quoted twice: the group in the line, the name in it
            keys = items[2:] if head.strip() == "groupstree" and match.group(2) == "ExplicitGroup" else []
            out.append((int(match.group(1)), items[0], [k for k in keys if k.strip()]))
    return out


# --- the readers


def read_bib(data: bytes, report: Report, fmt: Format = "bibtex", title: str | None = None) -> Catalog:
    """A .bib file's bytes as a catalog; what did not fit is in ``report``."""
    text = decode(data, report, declared_encoding(data))
    read = _read_in_two(text, report, fmt)
    if read is None:
        blocks = split(text, report)
        if not blocks.entries and not blocks.comments and not _SNIFF.search(text):
            raise NotThisFormatError(f"{report.file}: no BibTeX entries (@type{{key, ...}}) in this file")
        resolve(blocks.entries, report)
        read = blocks.comments, _mapped(blocks.entries, report.file, fmt)
    comments, mapped = read
    builder = CatalogBuilder(report, title)
    folders: dict[str, str] = {}
    stack: list[str] = []
    explicit: dict[str, list[str]] = {}
    for level, name, keys in group_tree(comments):
        del stack[level - 1 :]
        parent = stack[-1] if stack else None
        cid = builder.folder(name, parent)
        stack.append(cid)
        folders.setdefault(name, cid)
        for key in keys:
            explicit.setdefault(key, []).append(cid)
    for entry in mapped:
        _take_losses(entry.losses, report)
        cids = []
        for group in group_names(entry.groups, folders):
            if group not in folders:
                folders[group] = builder.folder(group)
            cids.append(folders[group])
        cids += explicit.get(entry.key or "", [])
        rid = builder.add(entry.fields, entry.line, cids[0] if cids else None, entry.key)
        for cid in cids[1:]:
            builder.file_into(rid, cid)
    return builder.build()


class _Mapped(NamedTuple):
    """One entry mapped to the model's fields, with its groups text and the report lines the mapping made."""

    line: int
    key: str | None
    fields: dict[str, Any]
    groups: str
    losses: list[tuple[int | None, str, str, str]]  # (line, field, message, kind)


def _mapped(entries: list[Entry], file: str, fmt: Format) -> list[_Mapped]:
    """Each entry (but xdata ones) mapped, its report lines kept with it (the builder's come after them)."""
    losses = Report(file)
    mapper = _Mapper(losses, fmt)
    out = []
    for entry in entries:
        if entry.type == "xdata":
            continue
        fields = mapper.fields(entry)
        groups = mapper.text(entry, "groups") or ""
        out.append(_Mapped(entry.line, entry.key, fields, groups, _drain(losses)))
    return out


def _drain(report: Report) -> list[tuple[int | None, str, str, str]]:
    lines = [(loss.line, loss.field, loss.message, loss.kind) for loss in report.lines]
    report.lines.clear()
    return lines


def _take_losses(losses: list[tuple[int | None, str, str, str]], report: Report) -> None:
    for line, name, message, kind in losses:
        report.add(line, name, message, kind)


# A big file is read in two parts at once (parallel.py) where no part depends on the other: no @string
# macros, no crossref or xdata parents (each part looks for them among its entries).
_PARTS_MIN = 1 << 20  # characters
_STRING_BLOCK = re.compile(r"@[ \t]*string", re.IGNORECASE)  # the literal '@' first: a fast scan


def _read_in_two(text: str, report: Report, fmt: Format) -> tuple[list[str], list[_Mapped]] | None:
    """The file's comments and mapped entries, its two halves read in two processes; None when the file is
    small, one half needs the other, or the halves do not meet where they were cut (then read it whole)."""
    if len(text) < _PARTS_MIN or not can_fork() or _STRING_BLOCK.search(text):
        return None
    cut_at = _AT_LINE.search(text, len(text) // 2)
    if cut_at is None:
        return None
    cut = cut_at.start() + 1

    def read_part(bounds: tuple[int, int | None]) -> tuple[Any, ...] | None:
        part = Report(report.file)
        blocks = split(text, part, *bounds)
        if any(e.type == "xdata" or "crossref" in e.fields or "xdata" in e.fields for e in blocks.entries):
            return None
        return blocks.end, _drain(part), blocks.comments, _mapped(blocks.entries, report.file, fmt)

    bounds = [(0, cut), (cut, None)]
    first, second = map_shared(read_part, bounds, [cut, len(text) - cut], _PARTS_MIN, _PART_AS_PLAIN)
    if first is None or second is None or first[0] > cut or not (first[3] or second[3]):
        return None  # entries with parents; a block that ran over the cut; nothing read
    comments, mapped = [], []
    for _end, losses, part_comments, part_mapped in (first, second):
        _take_losses(losses, report)
        comments += part_comments
        mapped += part_mapped
    return comments, mapped


def _part_as_plain(part: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return None if part is None else (*part[:3], [_plain(m) for m in part[3]])


def _part_from_plain(part: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return None if part is None else (*part[:3], [_from_plain(m) for m in part[3]])


_PART_AS_PLAIN = Plain(_part_as_plain, _part_from_plain)


def _plain(m: _Mapped) -> tuple[Any, ...]:
    """A mapped entry as plain data (what another process can send back): people and dates as mappings."""
    fields = dict(m.fields)
    for role in PEOPLE_FIELDS:
        if role in fields:
            fields[role] = tuple(dict(vars(p)) for p in fields[role])
    for name in DATE_FIELDS:
        if name in fields:
            d = fields[name]
            fields[name] = (d.year, d.month, d.day)
    return m.line, m.key, fields, m.groups, m.losses


def _from_plain(plain: tuple[Any, ...]) -> _Mapped:
    """The mapped entry ``_plain`` made plain."""
    line, key, fields, groups, losses = plain
    for role in PEOPLE_FIELDS:
        if role in fields:
            fields[role] = tuple(Person.from_fields(p) for p in fields[role])
    for name in DATE_FIELDS:
        if name in fields:
            fields[name] = PartialDate(*fields[name])
    return _Mapped(line, key, fields, groups, losses)


class BibTeXReader:
    """Classic BibTeX files: bibtex, JabRef, Zotero, BibDesk, Mendeley, Google Scholar."""

    name: ClassVar[str] = "bibtex"
    extensions: ClassVar[tuple[str, ...]] = (".bib", ".bibtex")
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True when the text has a line starting with ``@type{`` or ``@type(``."""
        return _SNIFF.search(head) is not None

    def read(self, data: bytes, report: Report) -> Catalog:
        """The catalog the file holds; losses go to ``report``."""
        return read_bib(data, report, self.name)  # type: ignore[arg-type]


class BibLaTeXReader(BibTeXReader):
    """BibLaTeX files (biber): ``date``, ``journaltitle``, ``@online``, extended name lists."""

    name: ClassVar[str] = "biblatex"
    lost_fields: ClassVar[frozenset[str]] = BIBLATEX_LOST

    def sniff(self, head: str) -> bool:
        """True for a .bib text that uses fields or types only BibLaTeX has."""
        return super().sniff(head) and _BIBLATEX_SIGNS.search(head) is not None
