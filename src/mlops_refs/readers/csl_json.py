"""Reading CSL-JSON: the items pandoc, citeproc processors, Zotero, Better BibTeX and citation.js write.

A file holds an array of items, or one item, or an ``{id: item}`` map, or pandoc's ``{"references": [...]}``.
Items follow the CSL 1.0.2 data schema; dates (``date-parts`` as numbers or strings, ranges, seasons, circa,
``literal``, ``raw``), names (particles, ``parse-names``, ``literal``), rich text in titles and Zotero's
"cheater syntax" in ``note`` are read, and whatever has no field of ours is kept in ``extra`` under its
CSL name and reported. What our writer (``exporters/csl_json.py``) puts under ``custom`` comes back:
collections (as folders titled by their ids: CSL-JSON carries no tree), arXiv id and class, abstract,
added date, aliases and extra fields.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from ..crosswalk import catalog_type
from ..exporters.csl_json import DATE_VARIABLES, NAME_VARIABLES, STRING_VARIABLES
from ..model import Catalog, PartialDate, Person
from .base import NotThisFormatError, Report, UnreadableFileError
from .builder import CatalogBuilder
from .dates import make_date, parse_date_text
from .names import split_particle
from .textio import decode

#: Fields CSL-JSON cannot carry ("collection." names a Collection field): only folder ids are written, so
#: folders come back titled by their ids, flat.
#: Carried in part: ``type`` (where crosswalk.py gives several of our types one CSL type) and
#: ``institution``, which shares ``publisher`` with the publisher.
LOST_FIELDS: frozenset[str] = frozenset(
    {"collection.title", "collection.kind", "collection.parent_id", "collection.summary", "collection.url"}
    | {"type", "institution"}
)

#: CSL types no row of crosswalk.py writes; read as the nearest of ours, with a report line.
CSL_TYPE_NEAR: dict[str, str] = {
    "entry": "encyclopedia-entry",
    "entry-dictionary": "encyclopedia-entry",
    "legislation": "legal",
    "regulation": "legal",
    "bill": "legal",
    "hearing": "legal",
    "treaty": "legal",
    "broadcast": "video",
    "performance": "video",
    "figure": "image",
    "post": "blog-post",
    "review": "journal-article",
    "review-book": "journal-article",
    "collection": "book",
    "classic": "book",
    "periodical": "document",
    "pamphlet": "document",
    "event": "document",
    "musical_score": "document",
}
FALLBACK_TYPE = "document"

#: CSL string variables with a Resource field of the same meaning.
STRING_FIELDS: dict[str, str] = {
    "container-title": "container",
    "collection-title": "series",
    "publisher": "publisher",
    "publisher-place": "place",
    "volume": "volume",
    "issue": "issue",
    "page": "pages",
    "number": "number",
    "edition": "edition",
    "chapter-number": "chapter",
    "DOI": "doi",
    "URL": "url",
    "ISBN": "isbn",
    "ISSN": "issn",
    "PMID": "pmid",
    "PMCID": "pmcid",
    "abstract": "summary",
    "language": "language",
}
NAME_FIELDS = {"author": "authors", "editor": "editors", "translator": "translators"}
DATE_FIELDS = {"issued": "issued", "accessed": "accessed", "original-date": "original_date"}
PUBLISHER_IS_INSTITUTION = frozenset({"report", "thesis"})
#: Seasons written as months: 13-16 (Better BibTeX, citeproc-js) and 21-24 (EDTF).
SEASONS = dict(
    zip((13, 14, 15, 16, 21, 22, 23, 24), ("spring", "summer", "autumn", "winter") * 2, strict=True)
)

#: Rich text CSL processors understand in titles: <i> <b> <sup> <sub> and two kinds of <span>.
MARKUP = re.compile(r"</?(?:i|b|sup|sub)>|<span\s+(?:class=\"nocase\"|style=\"[^\"<>]*\")\s*>|</span>")
#: Zotero's "cheater syntax": 'Name: value' lines in a note ('{:name: value}' in older versions).
CHEAT_LINE = re.compile(
    r"[ \t]*(?:\{:([A-Za-z][A-Za-z -]*):[ \t]*([^}\n]*)\}|([A-Za-z][A-Za-z -]*):[ \t]*(.*))"
)
CHEAT_FIELDS = {
    "citation key": "key",
    "citation-key": "key",
    "original-date": "original_date",
    "original date": "original_date",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "issn": "issn",
}
CSL_VARIABLES = NAME_VARIABLES | DATE_VARIABLES | STRING_VARIABLES
#: An object with none of these keys is not a CSL item (a package.json, a settings file...).
ITEM_KEYS = CSL_VARIABLES | {"id", "type", "citation-key"}
ARXIV_NUMBER = re.compile(r"arXiv:(\S+)", re.IGNORECASE)


class CslJsonReader:
    """CSL-JSON files to a catalog: every item becomes one resource."""

    name: ClassVar[str] = "csl-json"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True when the text starts a JSON array or object that names CSL item keys."""
        start = head.lstrip("\ufeff \t\r\n")[:1]
        return start in ("[", "{") and any(key in head for key in ('"type"', '"id"', '"references"'))

    def read(self, data: bytes, report: Report) -> Catalog:
        """The items of a CSL-JSON file, each a resource; losses go to ``report``."""
        report.format = report.format or self.name
        text = decode(data, report)
        builder = CatalogBuilder(report)
        folders: dict[str, str] = {}
        found = False
        for item, line, default_id in _items(text, report):
            if not isinstance(item, dict):
                report.skip(line, f"not a CSL item but a JSON {_json_kind(item)}")
                continue
            found = found or not ITEM_KEYS.isdisjoint(item)
            fields, key, collections = _ItemReader(item, line, report, default_id).fields()
            first = None
            for cid in collections:
                if cid not in folders:
                    folders[cid] = builder.folder(cid)
            if collections:
                first = folders[collections[0]]
            rid = builder.add(fields, line, collection=first, key=key)
            for cid in collections[1:]:
                builder.file_into(rid, folders[cid])
        if not found and (report.read or report.skipped):
            raise NotThisFormatError(f"{report.file}: a JSON file with no CSL item in it")
        return builder.build()


def _json_kind(value: Any) -> str:
    """'array', 'string', 'number'... for a report line."""
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _items(text: str, report: Report) -> Iterator[tuple[Any, int | None, str | None]]:
    """(item, line, id from an {id: item} map) for every item of the file, in order."""
    body = text.lstrip(" \t\r\n")
    if body.startswith("["):
        yield from _array_items(text, report)
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(f"{report.file}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise UnreadableFileError(f"{report.file}: JSON nested too deeply to be CSL-JSON") from None
    if not isinstance(doc, dict):
        raise NotThisFormatError(f"{report.file}: a JSON {_json_kind(doc)}, not CSL-JSON items")
    if isinstance(doc.get("references"), list):
        for item in doc["references"]:
            yield item, None, None
    elif any(key in doc for key in ("type", "title", "id", "author", "issued")):
        yield doc, 1, None
    elif doc and all(isinstance(v, dict) for v in doc.values()):
        for key, item in doc.items():
            yield item, None, key
    else:
        raise NotThisFormatError(f"{report.file}: a JSON object that holds no CSL item")


def _array_items(text: str, report: Report) -> Iterator[tuple[Any, int | None, str | None]]:
    """The elements of a top-level JSON array, each with the line it starts on (linear in the text)."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\r\n]*")
    pos = ws.match(text).end() + 1  # type: ignore[union-attr]
    line, counted = 1, 0
    while True:
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            pos += 1
            break
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise UnreadableFileError(
                f"{report.file}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"
            ) from None
        except RecursionError:
            raise UnreadableFileError(
                f"{report.file}:{line}: JSON nested too deeply to be CSL-JSON"
            ) from None
        yield item, line, None
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            where = line + text.count("\n", counted, pos)
            raise UnreadableFileError(f"{report.file}:{where}: not JSON: expected ',' or ']' after an item")
    if text[pos:].strip():
        where = line + text.count("\n", counted, pos)
        raise UnreadableFileError(f"{report.file}:{where}: not JSON: text after the closing ']'")


class _ItemReader:
    """Maps one CSL item to Resource fields; what has no field goes to ``extra`` and the report."""

    def __init__(
        self, item: dict[str, Any], line: int | None, report: Report, default_id: str | None
    ) -> None:
        self.item = item
        self.line = line
        self.report = report
        self.default_id = default_id
        self.out: dict[str, Any] = {}
        self.extra: list[tuple[str, str]] = []
        self.key: str | None = None
        self.noted_key: str | None = None
        self.collections: list[str] = []

    def fields(self) -> tuple[dict[str, Any], str | None, list[str]]:
        item = self.item
        rtype = self._type(item.get("type"))
        self.out["type"] = rtype
        for name, value in item.items():
            if value in ("", [], {}, None) or name in ("type", "id", "citation-key"):
                continue
            self._variable(name, value, rtype)
        self._title()
        self._preprint(rtype)
        self._key(item)
        if self.extra:
            # CSL variables first, then the rest: the order our writer gives them back in
            self.out["extra"] = tuple(sorted(self.extra, key=lambda pair: pair[0] not in CSL_VARIABLES))
        return self.out, self.key, self.collections

    def _type(self, value: Any) -> str:
        known = catalog_type("csl", value) if isinstance(value, str) else None
        if known is not None:
            return known
        if isinstance(value, str) and value in CSL_TYPE_NEAR:
            near = CSL_TYPE_NEAR[value]
            self.report.add(self.line, "type", f"type {value} has no exact match; read as {near}", "guessed")
            return near
        shown = "no type" if value in (None, "") else f"unknown type {value!r}"
        self.report.add(self.line, "type", f"{shown}; read as {FALLBACK_TYPE}", "guessed")
        return FALLBACK_TYPE

    def _variable(self, name: str, value: Any, rtype: str) -> None:
        if name == "title":
            self._string("title", name, value)
        elif name in NAME_FIELDS:
            people = self._people(name, value)
            if people:
                self.out[NAME_FIELDS[name]] = people
        elif name in DATE_FIELDS:
            date = self._date(name, value)
            if date is not None:
                self.out[DATE_FIELDS[name]] = date
        elif name == "publisher":
            self._string("institution" if rtype in PUBLISHER_IS_INSTITUTION else "publisher", name, value)
        elif name in STRING_FIELDS:
            self._string(STRING_FIELDS[name], name, value)
        elif name == "keyword":
            if isinstance(value, str):
                self.out["tags"] = [t for t in (p.strip() for p in re.split(r"[,;]", value)) if t]
            else:
                self._drop(name, "not a text")
        elif name == "note":
            self._note(value)
        elif name == "custom":
            self._custom(value)
        elif name in NAME_VARIABLES:
            people = self._people(name, value)
            if people:
                text = json.dumps([_csl_name(p) for p in people], ensure_ascii=False)
                self._keep(name, text, f"no field for {name} names")
        elif name in DATE_VARIABLES:
            date = self._date(name, value)
            if date is not None:
                self._keep(name, date.iso(), f"no field for the {name} date")
        elif name in STRING_VARIABLES:
            self._keep(name, _scalar_text(value), f"no field for {name}")
        else:
            self._keep(name, _scalar_text(value), f"{name} is not a CSL variable")

    def _string(self, field: str, name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._drop(name, f"a JSON {_json_kind(value)} where text belongs")
            return
        text = str(value).strip()
        if name in ("title", "container-title", "collection-title"):
            text = self._plain(name, text)
        if text:
            self.out[field] = text

    def _plain(self, name: str, text: str) -> str:
        """Rich text (<i>, <b>, <sup>, <sub>, <span class="nocase">) as plain text, entities decoded."""
        plain = MARKUP.sub("", text)
        if plain == text:
            return text
        plain = html.unescape(plain)
        self.report.add(self.line, name, f"markup removed: {_quote(text)}", "changed")
        return plain

    def _title(self) -> None:
        if "title" not in self.out:
            self.out["title"] = "(untitled)"
            self.report.add(self.line, "title", "item has no title; titled '(untitled)'", "guessed")

    def _preprint(self, rtype: str) -> None:
        """A preprint's repository: our writer gives it as publisher only; it is the preprint's container."""
        if rtype != "preprint":
            return
        number = self.out.get("number")
        if number and (match := ARXIV_NUMBER.fullmatch(number)) and "arxiv" not in self.out:
            self.out["arxiv"] = match[1]
            del self.out["number"]
        if "container" not in self.out and "publisher" in self.out:
            self.out["container"] = self.out.pop("publisher")

    def _key(self, item: dict[str, Any]) -> None:
        cited = item.get("citation-key")
        if not (isinstance(cited, str) and cited.strip()):
            cited = self.noted_key
        raw_id = item.get("id", self.default_id)
        ident = None
        if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
            ident = str(raw_id).strip()
        elif raw_id is not None:
            self._drop("id", f"a JSON {_json_kind(raw_id)} cannot be an id")
        if isinstance(cited, str) and cited.strip():
            self.key = cited.strip()
            if ident is not None and ident != self.key:
                self.out["aliases"] = (*self.out.get("aliases", ()), ident)
        elif self.key is None:
            self.key = ident
        if self.key is None:
            self.report.add(
                self.line, "id", "item has no id; made one from author, year and title", "guessed"
            )

    def _people(self, name: str, value: Any) -> tuple[Person, ...]:
        if not isinstance(value, list):
            self._drop(name, "not a list of names")
            return ()
        people = []
        for entry in value:
            person = self._person(name, entry)
            if person is not None:
                people.append(person)
        return tuple(people)

    def _person(self, name: str, entry: Any) -> Person | None:
        if not isinstance(entry, dict):
            self._drop(name, f"a JSON {_json_kind(entry)} where a name belongs")
            return None
        part = {k: str(v).strip() for k, v in entry.items() if isinstance(v, (str, int)) and str(v).strip()}
        if "literal" in part:
            return Person(literal=part["literal"])
        family, given = part.get("family"), part.get("given")
        particle = part.get("non-dropping-particle")
        dropping = part.get("dropping-particle")
        parse = entry.get("parse-names") not in (False, "false")
        if family and not particle and parse:
            particle, family = split_particle(family)
        if given and not dropping and parse:
            words = given.split()
            n = len(words)
            while n > 1 and words[n - 1][:1].islower():
                n -= 1
            if n < len(words):
                dropping, given = " ".join(words[n:]), " ".join(words[:n])
        if dropping:
            particle = f"{dropping} {particle}" if particle else dropping
        if not family:
            if given:
                self.report.add(self.line, name, f"name {given!r} has no family part; kept whole", "changed")
                return Person(literal=given)
            self._drop(name, "an empty name")
            return None
        return Person(family=family, given=given, particle=particle, suffix=part.get("suffix"))

    def _date(self, name: str, value: Any) -> PartialDate | None:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = {"raw": str(value)}
        if not isinstance(value, dict):
            self._drop(name, f"a JSON {_json_kind(value)} where a date belongs")
            return None
        if value.get("circa") not in (None, False, 0, ""):
            self.report.add(self.line, name, "'circa' dropped: the date is kept as exact")
        if value.get("season") not in (None, ""):
            self.report.add(self.line, name, f"season {value['season']!r} dropped")
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            date = self._date_parts(name, parts[0])
            if len(parts) > 1:
                self.report.add(self.line, name, f"date range: the end {_parts_text(parts[1])} dropped")
            if date is not None:
                return date
        for form in ("raw", "literal"):
            text = value.get(form)
            if isinstance(text, (str, int)) and str(text).strip():
                date = parse_date_text(str(text))
                if date is not None:
                    self.report.add(
                        self.line, name, f"{form} date {str(text)!r} read as {date.iso()}", "guessed"
                    )
                    return date
                self._keep(name, str(text), f"{form} date {str(text)!r} is not a date")
                return None
        return None

    def _date_parts(self, name: str, parts: list[Any]) -> PartialDate | None:
        try:
            numbers = [int(str(p).strip()) for p in parts[:3]]
        except ValueError:
            self._keep(name, _parts_text(parts), f"date-parts {_parts_text(parts)} are not numbers")
            return None
        year, month, day = ([*numbers, None, None])[:3]
        if month is not None and month in SEASONS:
            self.report.add(self.line, name, f"season {SEASONS[month]} dropped (month {month})")
            month, day = None, None
        date = make_date(year, month or None, day or None)  # type: ignore[arg-type]
        if date is None:
            self._keep(name, _parts_text(parts), f"date-parts {_parts_text(parts)} are not a date")
        return date

    def _note(self, value: Any) -> None:
        if not isinstance(value, str):
            self._drop("note", f"a JSON {_json_kind(value)} where text belongs")
            return
        kept = []
        for text in value.split("\n"):
            match = CHEAT_LINE.fullmatch(text)
            if match is None or not self._cheat(match[1] or match[3], match[2] or match[4]):
                kept.append(text)
        note = "\n".join(kept).strip()
        if note:
            self.out["note"] = note

    def _cheat(self, name: str, value: str) -> bool:
        """Use one 'Name: value' line of a note; False when it is ordinary note text."""
        field = CHEAT_FIELDS.get(name.strip().lower())
        value = value.strip()
        if field is None or not value:
            return False
        if field == "key":
            self.noted_key = self.noted_key or value
        elif field == "original_date":
            date = parse_date_text(value)
            if date is None:
                return False
            self.out.setdefault("original_date", date)
        else:
            self.out.setdefault(field, value)
        self.report.add(self.line, "note", f"{name.strip()} read from the note", "note")
        return True

    def _custom(self, value: Any) -> None:
        """What our writer keeps under ``custom``; other custom keys are reported."""
        if not isinstance(value, dict):
            self._drop("custom", f"a JSON {_json_kind(value)} where an object belongs")
            return
        for key, data in value.items():
            if key == "collections" and isinstance(data, list):
                self.collections = list(dict.fromkeys(str(c) for c in data if isinstance(c, (str, int))))
            elif key == "aliases" and isinstance(data, list):
                self.out["aliases"] = tuple(str(a) for a in data if isinstance(a, (str, int)))
            elif key == "extra" and isinstance(data, list):
                for pair in data:
                    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                        self.extra.append((pair[0], pair[1]))
                    else:
                        self._drop("custom.extra", "not a [name, value] pair")
            elif key in ("arxiv", "arxiv-class", "abstract", "added") and isinstance(data, str):
                self.out[key.replace("-", "_")] = data
            else:
                self._keep(f"custom.{key}", _scalar_text(data), f"no field for custom.{key}")

    def _keep(self, name: str, text: str, why: str) -> None:
        self.extra.append((name, text))
        self.report.add(self.line, name, f"{why}; kept as an extra field", "note")

    def _drop(self, name: str, why: str) -> None:
        self.report.add(self.line, name, f"{why}; dropped")


def _csl_name(person: Person) -> dict[str, str]:
    """A CSL name object for a person read from one (for names kept in ``extra``)."""
    if person.literal is not None:
        return {"literal": person.literal}
    parts = {
        "family": person.family,
        "given": person.given,
        "non-dropping-particle": person.particle,
        "suffix": person.suffix,
    }
    return {k: v for k, v in parts.items() if v}


def _scalar_text(value: Any) -> str:
    """A JSON value as text: strings as they are, anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _parts_text(parts: Any) -> str:
    """date-parts for a report line: [2011, 5, 25] -> '2011-5-25'."""
    if isinstance(parts, list):
        return "-".join(str(p) for p in parts)
    return repr(parts)


def _quote(text: str, limit: int = 60) -> str:
    """A short, single-quoted excerpt of a value for a report line."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
