"""Merging libraries without duplicates: one pass, dicts keyed by identity keys, every decision reported.

A record meets the resources merged so far through its identity keys (``identity.identity_keys``) and its
citation key when that is a known alias. No match: it is added (its key kept when free). One match: the
resource gains the record's memberships, tags (case-folded union), aliases, identifiers and every field it
lacked; a field both have with different values is a conflict that the richer source wins (``SOURCE_RANK``).
Matches with two different resources, or a match whose DOI/arXiv id/PMID disagree: the record is reported as
two-way and left out. Existing ids never change. Title + year + first author only propose candidate pairs.
Collections merge by path (titles from the root; browser roots by role), never by title alone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any

from .crosswalk import same_in_format
from .gcpause import gc_paused
from .identity import (
    arxiv_key,
    doi_key,
    exclusive_conflict,
    fold,
    identity_keys,
    isbn_key,
    pmid_key,
    title_block,
    titles_alike,
    url_key,
)
from .model import Catalog, CatalogInfo, Collection, PartialDate, Person, Resource

#: How rich each source is: on a conflicting field the richer one wins. The catalog's own YAML is richest
#: (``catalog``, or ``yaml`` as its reader is named).
SOURCE_RANK: dict[str, int] = {
    "catalog": 6,
    "yaml": 6,
    "zotero-rdf": 5,
    "csl-json": 4,
    "biblatex": 3,
    "ris": 2,
    "bibtex": 1,
    "netscape": 0,
    "opml": 0,
}

#: Formats whose records carry a citation key a person chose; other readers make keys up.
KEYED_SOURCES = frozenset(("catalog", "yaml", "biblatex", "bibtex", "csl-json", "ris"))

#: Browser roots are matched by role, whatever their localized titles ("Bookmarks bar", "Symbolleiste").
ROLE_KINDS = frozenset(("toolbar", "menu", "unfiled", "mobile"))

#: Longest folder path that becomes a tag.
TAG_LIMIT = 200

#: How many neighbours (in title order) each title is compared with inside its author/year block.
WINDOW = 8

_UNION_FIELDS = frozenset(("id", "collection_ids", "tags", "aliases", "extra", "added"))
_MERGED_FIELDS = tuple(f.name for f in fields(Resource) if f.name not in _UNION_FIELDS)
#: Text fields whose value, met again under another name, is not new: a writer may have put one in the other.
_TEXT_FIELDS = ("container", "publisher", "institution", "series", "summary", "abstract", "note")
_IDENTIFYING = frozenset(("url", "doi", "arxiv", "isbn", "pmid"))
_SAME = {"url": url_key, "doi": doi_key, "arxiv": arxiv_key, "isbn": isbn_key, "pmid": pmid_key}


@dataclass
class MergeReport:
    """Everything a merge decided, as data: merges, aliases, additions, conflicts, two-way records, pairs."""

    merges: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    renamed: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    two_way: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    collections_merged: list[dict[str, str]] = field(default_factory=list)
    collections_added: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready mapping."""
        return {
            "merges": self.merges,
            "aliases": self.aliases,
            "added": self.added,
            "renamed": self.renamed,
            "conflicts": self.conflicts,
            "two_way": self.two_way,
            "candidates": self.candidates,
            "collections": {"merged": self.collections_merged, "added": self.collections_added},
            "files": self.files,
        }

    def summary(self) -> str:
        """One line counting what the merge did."""
        return (
            f"{len(self.merges)} merged, {len(self.added)} added, {len(self.conflicts)} conflicts, "
            f"{len(self.two_way)} two-way, {len(self.candidates)} candidate pairs"
        )


@dataclass
class MergeResult:
    """The merged catalog, its report, and which resources changed or are new (for rewriting files)."""

    catalog: Catalog
    report: MergeReport
    touched: set[str]
    new: list[str]
    removed: set[str] = field(default_factory=set)


@functools.cache
def lost_fields(source: str) -> frozenset[str]:
    """The fields a format cannot carry (its reader's ``lost_fields``; none for the catalog)."""
    from .carried import declared_losses

    return declared_losses(source) or frozenset()


def jsonable(value: Any) -> Any:
    """A field value as JSON-ready data (dates as ISO text, people by their display name)."""
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, Person):
        return value.display
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return value


class Merger:
    """The resources merged so far, indexed by identity key and by id/alias; records are fed one at a time."""

    def __init__(self, base: Catalog, base_source: str = "catalog") -> None:
        self.info = base.info
        self.date = base.date
        self.report = MergeReport()
        self.collections: dict[str, Collection] = {c.id: c for c in base.collections}
        # a path is (merged parent id, folded title): equal paths from the root, one step at a time
        self._paths: dict[tuple[str | None, str], str] = {}
        for c in _parents_first(base.collections):
            parent = c.parent_id if c.parent_id in self.collections else None
            self._paths.setdefault((parent, self._part(c, parent is None)), c.id)
        self.resources: dict[str, Resource] = {}
        self.rank: dict[str, int] = {}
        self.touched: set[str] = set()
        self.new: list[str] = []
        self._new: set[str] = set()
        self._index: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._keys: dict[str, list[str]] = {}
        for r in base.resources:
            self._store(r, SOURCE_RANK.get(base_source, 0))

    # -- collections --------------------------------------------------------------------------------------

    @staticmethod
    def _part(c: Collection, is_root: bool) -> str:
        """How a folder's title counts in its path: folded, or a browser root's role."""
        return f"<{c.kind}>" if is_root and c.kind in ROLE_KINDS else fold(c.title) or c.title

    def map_collections(self, incoming: Catalog, source: str) -> dict[str, str | None]:
        """Incoming collection id -> merged collection id: the same path is one collection, else a new one.

        Two forms of our own exports are recognised: a root folder titled like the catalog wraps it (the
        bookmarks export), so it maps to None and its sub-folders to the roots; a root folder titled by an
        existing collection's id is that collection (CSL-JSON carries only ids).
        """
        mapping: dict[str, str | None] = {}
        wrapper = fold(self.info.title) if self.collections else None
        for c in _parents_first(incoming.collections):
            parent = mapping.get(c.parent_id) if c.parent_id is not None else None
            path = (parent, self._part(c, parent is None))
            into = self._paths.get(path)
            if into is None and c.parent_id is None and c.title in self.collections and c.kind == "folder":
                into = c.title
            if into is None and c.parent_id is None and path[1] == wrapper:
                mapping[c.id] = None
                self.report.collections_merged.append({"collection": c.id, "source": source, "into": None})
                continue
            if into is not None:
                mapping[c.id] = into
                self.report.collections_merged.append({"collection": c.id, "source": source, "into": into})
                continue
            cid = _free(c.id, self.collections)
            self.collections[cid] = replace(c, id=cid, parent_id=parent, child_ids=(), resource_ids=())
            self._paths[path] = cid
            mapping[c.id] = cid
            self.report.collections_added.append(cid)
        return mapping

    # -- resources ----------------------------------------------------------------------------------------

    def _store(self, r: Resource, rank: int, keys: list[str] | None = None) -> None:
        self.resources[r.id] = r
        self.rank[r.id] = rank
        self._keys[r.id] = identity_keys(r) if keys is None else keys
        self._names.setdefault(r.id, r.id)
        for alias in r.aliases:
            self._names.setdefault(alias, r.id)
        for key in self._keys[r.id]:
            self._index.setdefault(key, r.id)

    def add(self, record: Resource, source: str, key_is_chosen: bool | None = None) -> str | None:
        """Merge one record (collection ids already mapped); returns the id it became, None if left out."""
        rank = SOURCE_RANK.get(source, 0)
        chosen = source in KEYED_SOURCES if key_is_chosen is None else key_is_chosen
        keys = identity_keys(record)
        matches: dict[str, list[str]] = {}
        for key in keys:
            if key in self._index:
                matches.setdefault(self._index[key], []).append(key)
        for name in (record.id, *record.aliases) if chosen else record.aliases:
            target = self._names.get(name)
            if target is None or (name == target and not _same_title(self.resources[target], record)):
                continue
            matches.setdefault(target, []).append(f"key:{name}")
        if len(matches) > 1:
            self._two_way(record, source, matches, "its identifiers match different resources")
            return None
        if matches:
            target, on = next(iter(matches.items()))
            if kind := exclusive_conflict(keys, self._keys[target]):
                self._two_way(record, source, matches, f"its {kind} differs from the one it matches")
                return None
            self._merge(target, record, keys, (source, rank, chosen), on)
            return target
        return self._add_new(record, source, rank, chosen, keys)

    def _derived_moments(self, r: Resource) -> set[str]:
        """The 'added' moments our writers make up from a resource's dates when nothing was saved."""
        dates = (r.accessed, r.issued, self.date)
        return {_moment(d.timestamp()) for d in dates if d is not None}

    def _two_way(self, record: Resource, source: str, matches: dict[str, list[str]], why: str) -> None:
        self.report.two_way.append(
            {
                "record": record.id,
                "source": source,
                "title": record.title,
                "matches": [{"resource": rid, "on": on} for rid, on in matches.items()],
                "reason": why,
            }
        )

    def keep(self, record: Resource) -> None:
        """Keep a record as it is, beside the others (a two-way record inside one catalog)."""
        self._store(record, SOURCE_RANK["catalog"])

    def _add_new(
        self, record: Resource, source: str, rank: int, chosen: bool, keys: list[str] | None = None
    ) -> str:
        rid = record.id
        if rid in self._names or rid in self.resources:
            rid = _free(rid, self._names)
            self.report.renamed.append({"record": record.id, "source": source, "id": rid})
        aliases = record.aliases
        if rid != record.id and chosen:
            aliases = (*aliases, record.id) if record.id not in aliases else aliases
        aliases = tuple(a for a in aliases if a not in self._names)
        new = (
            record
            if (rid, aliases) == (record.id, record.aliases)
            else replace(record, id=rid, aliases=aliases)
        )
        self._store(new, rank, keys)
        self.new.append(rid)
        self._new.add(rid)
        self.report.added.append(rid)
        return rid

    def _merge(
        self, target: str, record: Resource, keys: list[str], how: tuple[str, int, bool], on: list[str]
    ) -> None:
        source, rank, chosen = how
        old = self.resources[target]
        self.report.merges.append({"resource": target, "record": record.id, "source": source, "on": on})
        changes: dict[str, Any] = {}
        richer = rank > self.rank[target]
        held = {v for f in _TEXT_FIELDS if isinstance(v := getattr(old, f), str)}
        lost = lost_fields(source)
        for name in _MERGED_FIELDS:
            mine, theirs = getattr(old, name), getattr(record, name)
            if theirs in (None, ()) or mine == theirs:
                continue
            if mine in (None, ()):
                if not (isinstance(theirs, str) and theirs in held):  # the same text under another name
                    changes[name] = theirs
                continue
            if name in lost:  # the format cannot carry it: its value is the reader's fallback, not news
                continue
            if name == "type" and same_in_format(mine, theirs, source):  # the format writes both alike
                continue
            same = _SAME.get(name)
            if same is not None and same(mine) is not None and same(mine) == same(theirs):
                continue
            self.report.conflicts.append(
                {
                    "resource": target,
                    "field": name,
                    "old": jsonable(mine),
                    "new": jsonable(theirs),
                    "kept": "new" if richer else "old",
                    "source": source,
                }
            )
            if richer:
                changes[name] = theirs
        memberships = _union(old.collection_ids, record.collection_ids)
        if memberships != old.collection_ids:
            changes["collection_ids"] = memberships
        folded = {t.casefold() for t in old.tags}
        new_tags = [t for t in dict.fromkeys(record.tags) if t.casefold() not in folded]
        if new_tags:
            changes["tags"] = (*old.tags, *_casefold_unique(new_tags))
        names = [record.id, *record.aliases] if chosen else list(record.aliases)
        aliases = [a for a in dict.fromkeys(names) if a != target and a not in old.aliases]
        aliases = [a for a in aliases if self._names.get(a, target) == target]
        if aliases:
            changes["aliases"] = (*old.aliases, *aliases)
            for alias in aliases:
                self._names[alias] = target
                self.report.aliases.append({"resource": target, "alias": alias, "source": source})
        extra = _union(old.extra, record.extra)
        if extra != old.extra:
            changes["extra"] = extra
        earlier = record.added and (old.added is None or record.added < old.added)
        if earlier and record.added not in self._derived_moments(old):
            changes["added"] = record.added
        if richer:
            self.rank[target] = rank
        for key in keys:
            self._index.setdefault(key, target)
        if changes:
            self.resources[target] = replace(old, **changes)
            if _IDENTIFYING.intersection(changes):
                self._keys[target] = identity_keys(self.resources[target])
                for key in self._keys[target]:
                    self._index.setdefault(key, target)
            if target not in self._new:
                self.touched.add(target)

    # -- result -------------------------------------------------------------------------------------------

    def candidates(self, only: set[str] | None = None) -> list[dict[str, Any]]:
        """Pairs with alike titles, one year and first author that no identifier merged (never merged).

        Bounded: within each (first author, year) block, a title is compared with its ``WINDOW`` nearest
        neighbours in title order and in reversed-title order, never with every other title.
        """
        position = {rid: i for i, rid in enumerate(self.resources)}
        blocks: dict[tuple[str, int], list[Resource]] = {}
        for r in self.resources.values():
            block = title_block(r)
            if block is not None:
                blocks.setdefault(block, []).append(r)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for block, members in blocks.items():
            if len(members) < 2 or (only is not None and not any(m.id in only for m in members)):
                continue
            folded = {m.id: fold(m.title)[:300] for m in members}
            words = {rid: frozenset(title.split()) for rid, title in folded.items()}
            for order in (sorted(folded, key=folded.get), sorted(folded, key=lambda i: folded[i][::-1])):
                for i, a in enumerate(order):
                    for b in order[i + 1 : i + 1 + WINDOW]:
                        pair = (a, b) if position[a] < position[b] else (b, a)
                        if pair in found or (only is not None and a not in only and b not in only):
                            continue
                        shared = len(words[a] & words[b])
                        if 2 * shared < min(len(words[a]), len(words[b])):  # most words differ: not alike
                            continue
                        score = self._alike(a, b, folded)
                        if score is not None:
                            found[pair] = {
                                "resources": list(pair),
                                "author": block[0],
                                "year": block[1],
                                "titles": [self.resources[pair[0]].title, self.resources[pair[1]].title],
                                "similarity": score,
                            }
        return [found[pair] for pair in sorted(found, key=lambda p: (position[p[0]], position[p[1]]))]

    def _alike(self, a: str, b: str, folded: dict[str, str]) -> float | None:
        """Title similarity of two resources, unless their DOIs or PMIDs say they are different things."""
        score = titles_alike(folded[a], folded[b])
        if score is None or exclusive_conflict(self._keys[a], self._keys[b]) in ("doi", "pmid"):
            return None
        return score

    def build(self) -> Catalog:
        """The merged catalog: collections in order met, resources in order met."""
        return Catalog.build(self.info, self.collections.values(), self.resources.values())


def path_tags(catalog: Catalog) -> dict[str, str]:
    """Collection id -> its path as one tag, 'Cars/Restoration' (browser roots left out; ',' ';' dropped).

    Paths longer than ``TAG_LIMIT`` characters (a very deep tree) give no tag.
    """
    paths: dict[str, str | None] = {}  # None: too long, and so is every path below it
    known = {c.id for c in catalog.collections}
    for c in _parents_first(catalog.collections):
        parent = paths.get(c.parent_id, "") if c.parent_id is not None else ""
        if parent is None:
            paths[c.id] = None
            continue
        is_role_root = c.kind in ROLE_KINDS and c.parent_id not in known
        title = "" if is_role_root else " ".join(c.title.replace(",", " ").replace(";", " ").split())
        path = f"{parent}/{title}" if parent and title else parent or title
        paths[c.id] = path if len(path) <= TAG_LIMIT else None
    tags = {cid: path for cid, path in paths.items() if path}
    return tags


def with_folder_tags(catalog: Catalog) -> Catalog:
    """The catalog with each resource also tagged with the paths of its folders (``path_tags``)."""
    paths = path_tags(catalog)
    out = []
    for r in catalog.resources:
        folded = {t.casefold() for t in r.tags}
        tags = [p for c in r.collection_ids if (p := paths.get(c)) and p.casefold() not in folded]
        out.append(replace(r, tags=(*r.tags, *_casefold_unique(tags))) if tags else r)
    return Catalog.build(catalog.info, catalog.collections, out)


def _parents_first(collections: Iterable[Collection]) -> list[Collection]:
    """Collections ordered so each parent comes before its children (catalog order otherwise)."""
    items = list(collections)
    by_id = {c.id: c for c in items}
    known = set(by_id)
    children: dict[str | None, list[Collection]] = {}
    for c in items:
        children.setdefault(c.parent_id if c.parent_id in known else None, []).append(c)
    out: list[Collection] = []
    seen: set[str] = set()
    for start in [None, *(c.id for c in items)]:  # collections caught in a parent cycle come last, as roots
        if start is not None and start in seen:
            continue
        stack = list(reversed(children.get(None, []))) if start is None else [by_id[start]]
        while stack:
            c = stack.pop()
            if c.id in seen:
                continue
            seen.add(c.id)
            out.append(c)
            stack.extend(reversed(children.get(c.id, [])))
    return out


def _moment(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _same_title(a: Resource, b: Resource) -> bool:
    return titles_alike(fold(a.title)[:300], fold(b.title)[:300]) is not None


def _union(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def _casefold_unique(tags: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in tags:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


def _free(base: str, taken: Any) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@gc_paused()  # many objects, few cycles: collecting meanwhile only costs time (more as libraries grow)
def merge(
    existing: Catalog, incoming: Iterable[tuple[Catalog, str]], folder_tags: bool = False
) -> MergeResult:
    """Merge each (catalog, source format) into ``existing``, in order; nothing of ``existing`` is renamed."""
    merger = Merger(existing)
    for catalog, source in incoming:
        if folder_tags:
            catalog = with_folder_tags(catalog)
        mapping = merger.map_collections(catalog, source)
        for record in catalog.resources:
            mapped = tuple(
                dict.fromkeys(m for c in record.collection_ids if (m := mapping.get(c)) is not None)
            )
            if mapped != record.collection_ids:
                record = replace(record, collection_ids=mapped)
            merger.add(record, source)
    touched = set(merger.touched)
    merger.report.candidates = merger.candidates(only=touched | set(merger.new))
    return MergeResult(merger.build(), merger.report, touched, list(merger.new))


@gc_paused()
def find_duplicates(catalog: Catalog) -> MergeResult:
    """The duplicates inside one catalog, merged into the first of each (the result's catalog applies it).

    ``removed`` names the resources merged away; their ids become aliases of the one kept.
    """
    empty = Catalog.build(catalog.info, catalog.collections, ())
    merger = Merger(empty)
    removed: set[str] = set()
    for r in catalog.resources:
        became = merger.add(r, "catalog", key_is_chosen=True)
        if became is None:  # two-way: it stays as it is, apart
            merger.keep(r)
        elif became != r.id:
            removed.add(r.id)
            merger.touched.add(became)
    merger.report.added.clear()  # nothing came from outside: every resource was already there
    merger.report.candidates = merger.candidates()
    return MergeResult(merger.build(), merger.report, merger.touched, [], removed)


def empty_catalog(info: CatalogInfo | None = None) -> Catalog:
    """A catalog with nothing in it (the starting point of a merge into a new folder)."""
    return Catalog.build(info or CatalogInfo(), (), ())
