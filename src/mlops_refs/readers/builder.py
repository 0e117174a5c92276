"""Collects what a reader finds (folders, records, memberships) and assembles one catalog from it.

Every reader goes through one builder, so that keys, folder ids and "one item in several folders" are decided
in one place: an incoming key is kept when it is valid and free, a record without one gets a key made from
author, year and title the way the catalog's ids are made, and a clash gets a suffix and a report line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..characters import FORBIDDEN
from ..model import RESOURCE_FIELDS, Catalog, CatalogInfo, Collection, Person, Resource
from .base import Report

#: A citation key every format can carry: no white space, none of BibTeX's and CSL's delimiters.
VALID_KEY = re.compile(r"[^\s\x00-\x1f\x7f,{}()\"#%'=\\~]{1,200}")
_WORD = re.compile(r"[a-z0-9]+")
#: The deepest folder nesting a reader builds (libxml2's own limit); deeper folders join the one above.
MAX_DEPTH = 256
_STOPWORDS = frozenset(
    ("a", "an", "the", "of", "on", "in", "at", "to", "for", "and", "or", "with", "from", "by", "is", "are")
)


def ascii_words(text: str) -> list[str]:
    """Lower-case ASCII words of a text, accents folded ('Noé Lutz' -> ['noe', 'lutz'])."""
    if not text.isascii():  # ASCII text is its own NFKD form
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(text.lower())


def slug(text: str, words: int = 6, length: int = 48) -> str:
    """A lower-case, hyphenated id made from the first words of a text ('' when it has none)."""
    found = ascii_words(text)
    out = ""
    for word in found[:words]:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > length:
            break
        out = candidate
    return out or (found[0][:length] if found else "")


def make_key(authors: tuple[Person, ...], year: int | None, title: str) -> str:
    """A key in the catalog's style: 'sculley2015hidden' for a dated paper, else a slug of the title."""
    family = next((p.family or p.literal for p in authors if p.family or p.literal), None)
    first = next((w for w in ascii_words(title) if w not in _STOPWORDS), None)
    if family and year is not None and first:
        name = "".join(ascii_words(family)) or "anon"
        return f"{name}{year}{first}"
    return slug(title) or "item"


_RESOURCE_FIELDS = frozenset(RESOURCE_FIELDS)
_PERSON_FIELDS = tuple(f.name for f in fields(Person))


def _removed(chars: set[str]) -> str:
    """The report's words for characters removed from a text."""
    return f"removed {', '.join(f'U+{ord(char):04X}' for char in sorted(chars))}: no format can carry it"


def _holds_only_allowed(values: dict[str, Any]) -> bool:
    """Whether no text of a record's values holds a character ``allowed_text`` removes: a quick look by type
    (texts, lists of texts, people, pairs), no copy."""
    search = FORBIDDEN.search
    for value in values.values():
        kind = type(value)
        if kind is str:
            if not value.isprintable() and search(value):
                return False
        elif kind is tuple or kind is list:
            for item in value:
                kind = type(item)
                if kind is str:
                    if not item.isprintable() and search(item):
                        return False
                elif kind is Person:
                    for text in (item.family, item.given, item.particle, item.suffix, item.literal):
                        if text is not None and not text.isprintable() and search(text):
                            return False
                elif kind is tuple and not _holds_only_allowed({0: item}):
                    return False
    return True


def allowed_text(value: Any, removed: set[str]) -> Any:
    """``value`` (a text, a person, or a list or tuple of them) without the characters no text of a catalog
    may hold (``characters.FORBIDDEN``: controls, noncharacters...), each removed one added to ``removed``."""
    if isinstance(value, str):
        if value.isprintable() or not FORBIDDEN.search(value):  # the common case, at the speed of C
            return value
        removed.update(FORBIDDEN.findall(value))
        return FORBIDDEN.sub("", value).strip()
    if isinstance(value, Person):
        texts = {name: getattr(value, name) for name in _PERSON_FIELDS}
        changed = {name: allowed_text(text, removed) or None for name, text in texts.items() if text}
        return value if changed.items() <= texts.items() else replace(value, **changed)
    if isinstance(value, list | tuple):
        return type(value)(allowed_text(item, removed) for item in value)
    return value


def _resource(values: dict[str, Any]) -> Resource:
    """A Resource of a reader's field values: assembled directly when every name is a field of it."""
    if values.keys() <= _RESOURCE_FIELDS:
        return Resource.from_fields(values)
    return Resource(**values)  # TypeError naming the unknown field, as ever


@dataclass
class _Record:
    fields: dict[str, Any]
    collections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class CatalogBuilder:
    """Folders and records as a reader meets them, in order; ``build()`` gives the catalog."""

    def __init__(self, report: Report, title: str | None = None) -> None:
        self.report = report
        self.title = title
        self._collections: list[Collection] = []
        self._collection_ids: set[str] = set()
        self._records: dict[str, _Record] = {}
        self._by_identity: dict[str, str] = {}
        self._next_suffix: dict[tuple[str, bool], int] = {}

    def folder(
        self,
        title: str,
        parent: str | None = None,
        kind: str = "folder",
        summary: str | None = None,
        url: str | None = None,
    ) -> str:
        """Add a folder under ``parent`` (None for a root) and return its new id (its texts without the
        characters no catalog text may hold)."""
        removed: set[str] = set()
        title, summary = allowed_text(title, removed), allowed_text(summary, removed)
        if removed:
            self.report.add(None, "folder", f"{title!r}: {_removed(removed)}", "changed")
        base = slug(title) or "folder"
        cid = self._free(base, self._collection_ids)
        self._collection_ids.add(cid)
        self._collections.append(
            Collection(
                id=cid, title=title or "(untitled)", kind=kind, parent_id=parent, summary=summary, url=url
            )
        )
        return cid

    @property
    def has_folders(self) -> bool:
        """True once any folder was added."""
        return bool(self._collections)

    def add(
        self,
        fields: dict[str, Any],
        line: int | None,
        collection: str | None = None,
        key: str | None = None,
        identity: str | None = None,
    ) -> str:
        """Add a record (Resource field values) filed in ``collection``; return its id.

        A record whose ``identity`` (a bookmark's URL, a Zotero item's node id) was met before is the same
        resource met in one more folder: it gains the membership and the tags, nothing else changes.
        A character no catalog text may hold (a control, a noncharacter) is removed, with a report line.
        """
        fields = self._allowed(fields, line)
        if identity is not None and identity in self._by_identity:
            rid = self._by_identity[identity]
            record = self._records[rid]
            if collection is not None and collection not in record.collections:
                record.collections.append(collection)
            for tag in fields.get("tags", ()):
                if tag not in record.tags:
                    record.tags.append(tag)
            return rid
        rid = self._key(fields, line, key)
        tags = list(dict.fromkeys(fields.pop("tags", ())))
        fields.pop("collection_ids", None)
        self._records[rid] = _Record(fields, [collection] if collection is not None else [], tags)
        if identity is not None:
            self._by_identity[identity] = rid
        self.report.read += 1
        return rid

    def _allowed(self, values: dict[str, Any], line: int | None) -> dict[str, Any]:
        """``values`` without the characters no catalog text may hold; a report line for each field."""
        if _holds_only_allowed(values):  # nearly every record
            return values
        for name, value in list(values.items()):
            removed: set[str] = set()
            clean = allowed_text(value, removed)
            if not removed:
                continue
            self.report.add(line, name, _removed(removed), "changed")
            if clean in ("", None) and name != "title":
                del values[name]
            else:
                values[name] = clean or "(untitled)"
        return values

    def file_into(self, rid: str, collection: str) -> None:
        """File an already added record into one more collection."""
        record = self._records[rid]
        if collection not in record.collections:
            record.collections.append(collection)

    def _key(self, fields: dict[str, Any], line: int | None, key: str | None) -> str:
        if key is not None and (not VALID_KEY.fullmatch(key) or FORBIDDEN.search(key)):
            self.report.add(line, "id", f"key {key!r} cannot be a citation key; made a new one", "changed")
            key = None
        if key is None:
            issued = fields.get("issued")
            year = issued.year if issued else None
            base = make_key(tuple(fields.get("authors", ())), year, fields["title"])
            return self._free(base, self._records)
        if key in self._records:
            new = self._free(key, self._records)
            message = f"key {key!r} is used by an earlier record; this one is {new!r}"
            self.report.add(line, "id", message, "changed")
            return new
        return key

    def _free(self, base: str, taken: Any) -> str:
        """``base``, else ``base-2``, ``base-3``...: the first one not taken (each base resumes where it
        stopped, so that n records with one base cost n steps, not n squared)."""
        if base not in taken:
            return base
        counter = (base, taken is self._records)
        n = self._next_suffix.get(counter, 2)
        while f"{base}-{n}" in taken:
            n += 1
        self._next_suffix[counter] = n + 1
        return f"{base}-{n}"

    def build(self, info: CatalogInfo | None = None) -> Catalog:
        """The catalog of everything added, in the order met."""
        resources = [
            _resource({**r.fields, "id": rid, "collection_ids": tuple(r.collections), "tags": tuple(r.tags)})
            for rid, r in self._records.items()
        ]
        if info is None:
            title = allowed_text(self.title, set())
            info = CatalogInfo(title=title) if title else CatalogInfo()
        return Catalog.build(info, self._collections, resources)
