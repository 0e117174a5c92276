"""The catalog as immutable typed objects: what every exporter reads, knowing nothing of YAML."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

RESOURCE_TYPES: tuple[str, ...] = (
    "journal-article",
    "conference-paper",
    "preprint",
    "report",
    "book",
    "chapter",
    "thesis",
    "software",
    "service",
    "webpage",
    "documentation",
    "blog-post",
    "news-article",
    "video",
    "dataset",
    "course",
    "magazine-article",
    "encyclopedia-entry",
    "proceedings",
    "manuscript",
    "presentation",
    "patent",
    "standard",
    "legal",
    "audio",
    "image",
    "map",
    "interview",
    "letter",
    "document",
)

PAPER_TYPES: frozenset[str] = frozenset(RESOURCE_TYPES[:7])  # journal-article ... thesis: scholarly writing

COLLECTION_KINDS: tuple[str, ...] = (
    "specialization",
    "course",
    "week",
    "topic",
    "folder",  # a folder, outline or collection read from another program's file
    "toolbar",  # a browser root, recognised by its role whatever its localized name
    "menu",
    "unfiled",
    "mobile",
)


@dataclass(frozen=True)  # no __slots__: a field not given is read from the class, so from_fields is one step
class Person:
    """A person (family/given/particle/suffix) or an organisation (literal)."""

    family: str | None = None
    given: str | None = None
    particle: str | None = None
    suffix: str | None = None
    literal: str | None = None

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Person:
        """A person of these fields (names of this class's fields only), the others at their defaults.

        It takes ``fields`` over as the instance's own, without the call per field that ``__init__`` makes.
        """
        return _assembled(cls, fields)

    @property
    def is_organisation(self) -> bool:
        """True for a literal name that must never be split."""
        return self.literal is not None

    @property
    def full_family(self) -> str:
        """Family name with its particle, e.g. 'van der Berg'."""
        if self.literal is not None:
            return self.literal
        if self.particle and self.family:
            return f"{self.particle} {self.family}"
        return self.family or self.particle or ""

    @property
    def display(self) -> str:
        """The name in reading order: 'Neil D. Lawrence', 'Ludwig van Beethoven', 'Google'."""
        if self.literal is not None:
            return self.literal
        name = " ".join(p for p in (self.given, self.particle, self.family) if p)
        return f"{name}, {self.suffix}" if self.suffix else name


def _assembled(cls: type[Any], fields: dict[str, Any]) -> Any:
    """An instance of a frozen dataclass without slots whose ``__dict__`` is ``fields``: a field missing there
    is read from the class, where the dataclass keeps its default."""
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", fields)
    return instance


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str | int) -> PartialDate:
        """Parse 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (already checked by the schema)."""
        parts = [int(p) for p in str(text).split("-")]
        return cls(*parts)

    @property
    def parts(self) -> tuple[int, ...]:
        """The known parts, e.g. (2020, 11)."""
        return tuple(p for p in (self.year, self.month, self.day) if p is not None)

    def iso(self) -> str:
        """ISO 8601 form at the known precision: '2020', '2020-11', '2020-11-18'."""
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
            if self.day is not None:
                out += f"-{self.day:02d}"
        return out

    def timestamp(self) -> int:
        """Seconds since the Unix epoch at 00:00 UTC on the first day the date covers."""
        return calendar.timegm((self.year, self.month or 1, self.day or 1, 0, 0, 0))


@dataclass(frozen=True)  # no __slots__, as Person
class Resource:
    """One catalog entry: a paper, tool, service, page, video or data set.

    ``added`` is when a person saved it (ISO 8601, to the second when known, e.g. a bookmark's ADD_DATE);
    ``aliases`` are other keys it was known by (kept when libraries merge); ``extra`` holds (name, value)
    pairs of fields that have no name of their own here, in the order they were read.
    """

    id: str
    type: str
    title: str
    url: str | None = None
    collection_ids: tuple[str, ...] = ()
    authors: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    translators: tuple[Person, ...] = ()
    issued: PartialDate | None = None
    original_date: PartialDate | None = None
    container: str | None = None
    publisher: str | None = None
    institution: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    number: str | None = None
    doi: str | None = None
    arxiv: str | None = None
    arxiv_class: str | None = None
    isbn: str | None = None
    issn: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    edition: str | None = None
    series: str | None = None
    chapter: str | None = None
    place: str | None = None
    accessed: PartialDate | None = None
    added: str | None = None
    summary: str | None = None
    abstract: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    note: str | None = None
    aliases: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Resource:
        """A resource of these fields (names of this class's fields only, ``id``, ``type`` and ``title``
        among them), the others at their defaults; as ``Person.from_fields``, ten times faster than the
        call (``__init__`` sets each of the 39 fields in turn)."""
        return _assembled(cls, fields)

    @property
    def is_paper(self) -> bool:
        """True for scholarly writing (articles, papers, preprints, reports, books, theses)."""
        return self.type in PAPER_TYPES

    @property
    def link(self) -> str | None:
        """The URL to open: ``url``, else the DOI's or the arXiv abstract's address, else None."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return None


#: The field names of Resource and of Person, in declaration order.
RESOURCE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Resource))
PERSON_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Person))
#: Resource fields by what they hold, apart from single texts: people, dates, lists of texts.
PEOPLE_FIELDS: tuple[str, ...] = ("authors", "editors", "translators")
DATE_FIELDS: tuple[str, ...] = ("issued", "original_date", "accessed")
TEXT_LIST_FIELDS: tuple[str, ...] = ("collection_ids", "tags", "aliases")


@dataclass(frozen=True, slots=True)
class Collection:
    """A folder of the tree; ``child_ids`` and ``resource_ids`` keep catalog order."""

    id: str
    title: str
    kind: str
    parent_id: str | None = None
    summary: str | None = None
    url: str | None = None
    child_ids: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """Metadata of the whole catalog."""

    title: str = "mlops-refs catalog"
    description: str | None = None
    version: str | None = None
    license: str | None = None
    updated: PartialDate | None = None
    homepage: str | None = None
    maintainers: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Resources and the collection tree, resolved in both directions."""

    info: CatalogInfo
    collections: tuple[Collection, ...]
    resources: tuple[Resource, ...]
    _collections_by_id: Mapping[str, Collection] = field(init=False, repr=False, compare=False)
    _resources_by_id: Mapping[str, Resource] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_collections_by_id", MappingProxyType({c.id: c for c in self.collections}))
        object.__setattr__(self, "_resources_by_id", MappingProxyType({r.id: r for r in self.resources}))

    def __reduce__(
        self,
    ) -> tuple[type[Catalog], tuple[CatalogInfo, tuple[Collection, ...], tuple[Resource, ...]]]:
        """Pickle the data only; the lookup tables are rebuilt on load."""
        return (Catalog, (self.info, self.collections, self.resources))

    @classmethod
    def build(
        cls, info: CatalogInfo, collections: Iterable[Collection], resources: Iterable[Resource]
    ) -> Catalog:
        """Assemble a catalog, filling each collection's children and members from the other side."""
        collections = list(collections)
        resources = list(resources)
        children: dict[str, list[str]] = {c.id: [] for c in collections}
        members: dict[str, list[str]] = {c.id: [] for c in collections}
        for c in collections:
            if c.parent_id in children:
                children[c.parent_id].append(c.id)
        for r in resources:
            for cid in r.collection_ids:
                if cid in members:
                    members[cid].append(r.id)
        resolved = [  # every field named: several times faster than replace(), which looks each one up
            Collection(
                id=c.id,
                title=c.title,
                kind=c.kind,
                parent_id=c.parent_id,
                summary=c.summary,
                url=c.url,
                child_ids=tuple(children[c.id]),
                resource_ids=tuple(members[c.id]),
            )
            for c in collections
        ]
        return cls(info, tuple(resolved), tuple(resources))

    def __len__(self) -> int:
        return len(self.resources)

    def resource(self, resource_id: str) -> Resource:
        """The resource with this id (KeyError if none)."""
        return self._resources_by_id[resource_id]

    def collection(self, collection_id: str) -> Collection:
        """The collection with this id (KeyError if none)."""
        return self._collections_by_id[collection_id]

    @property
    def roots(self) -> tuple[Collection, ...]:
        """Top-level collections, in catalog order."""
        return tuple(c for c in self.collections if c.parent_id is None)

    def children(self, collection: Collection) -> tuple[Collection, ...]:
        """Direct sub-collections, in catalog order."""
        return tuple(self._collections_by_id[i] for i in collection.child_ids)

    def members(self, collection: Collection) -> tuple[Resource, ...]:
        """Resources filed directly in the collection, in catalog order."""
        return tuple(self._resources_by_id[i] for i in collection.resource_ids)

    def collections_of(self, resource: Resource) -> tuple[Collection, ...]:
        """Collections the resource is filed in."""
        return tuple(self._collections_by_id[i] for i in resource.collection_ids)

    def path(self, collection: Collection) -> tuple[Collection, ...]:
        """The collection's ancestors from the root down to itself (a loop of parents ends the climb)."""
        chain = [collection]
        seen = {collection.id}
        while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
            chain.append(self._collections_by_id[chain[-1].parent_id])
            seen.add(chain[-1].id)
        return tuple(reversed(chain))

    def outline(self, roots: Iterable[Collection] | None = None) -> Iterator[tuple[Collection, int, bool]]:
        """The trees below ``roots`` (default: every root) depth-first in catalog order, without recursion.

        Yields ``(collection, depth, True)`` on entering a collection and ``(collection, depth, False)`` on
        leaving it, after everything below it; depth 0 is a root. Each collection is entered once.
        """
        seen: set[str] = set()
        for root in self.roots if roots is None else roots:
            if root.id in seen:
                continue
            seen.add(root.id)
            yield root, 0, True
            stack = [(root, iter(root.child_ids))]
            while stack:
                parent, child_ids = stack[-1]
                child_id = next(child_ids, None)
                if child_id is None:
                    stack.pop()
                    yield parent, len(stack), False
                elif child_id not in seen:
                    seen.add(child_id)
                    child = self._collections_by_id[child_id]
                    yield child, len(stack), True
                    stack.append((child, iter(child.child_ids)))

    def walk(self) -> Iterator[tuple[Collection, int]]:
        """Every collection depth-first in catalog order, with its depth (roots are 0)."""
        return ((c, depth) for c, depth, entering in self.outline() if entering)

    def descendants(self, collection: Collection) -> tuple[Collection, ...]:
        """The collection and every collection below it."""
        return tuple(c for c, _depth, entering in self.outline([collection]) if entering)

    @cached_property  # worked out once: a bookmark without dates of its own takes it
    def date(self) -> PartialDate | None:
        """The catalog's own date: ``info.updated``, else the latest resource date."""
        if self.info.updated is not None:
            return self.info.updated
        dates = [d for r in self.resources for d in (r.issued, r.accessed) if d is not None]
        return max(dates, key=lambda d: (d.year, d.month or 0, d.day or 0), default=None)

    def subset(
        self,
        collection: str | None = None,
        types: Iterable[str] = (),
        tags: Iterable[str] = (),
    ) -> Catalog:
        """The resources of one collection subtree and/or of given types and tags; empty folders pruned."""
        types, tags = set(types), set(tags)
        keep_collections = self.collections
        if collection is not None:
            root = self.collection(collection)
            subtree = {c.id for c in self.descendants(root)}
            keep_collections = tuple(c for c in self.collections if c.id in subtree)
            keep_collections = tuple(
                replace(c, parent_id=None) if c.id == root.id else c for c in keep_collections
            )
        kept_ids = {c.id for c in keep_collections}
        resources = []
        for r in self.resources:
            in_scope = [cid for cid in r.collection_ids if cid in kept_ids]
            if collection is not None and not in_scope:
                continue
            if types and r.type not in types:
                continue
            if tags and not tags.intersection(r.tags):
                continue
            resources.append(replace(r, collection_ids=tuple(in_scope)))
        if types or tags:
            used = {cid for r in resources for cid in r.collection_ids}
            by_id = {c.id: c for c in keep_collections}
            needed = set()
            for cid in used:
                while cid is not None and cid not in needed:
                    needed.add(cid)
                    cid = by_id[cid].parent_id
            keep_collections = tuple(c for c in keep_collections if c.id in needed)
        return Catalog.build(self.info, keep_collections, resources)
