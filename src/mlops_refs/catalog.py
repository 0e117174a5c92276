"""YAML files -> one validated Catalog, with every problem reported at once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from .bundled import catalog_files
from .errors import CatalogError, MlopsRefsError, Problem
from .fastyaml import quick_read
from .gcpause import gc_paused
from .model import DATE_FIELDS, Catalog, CatalogInfo, Collection, PartialDate, Person, Resource
from .parallel import map_shared
from .validation import isbn_is_valid, schema_problems, text_problems, url_problem
from .yamlio import YamlDocument, read_yaml


class _Entry(NamedTuple):  # a tuple: made for every resource, several times faster than a frozen dataclass
    """A collection or resource mapping with the file and path it came from."""

    doc: YamlDocument
    path: tuple[str | int, ...]
    data: dict[str, Any]

    def problem(self, field: str | None, message: str) -> Problem:
        return self.doc.problem(self.path if field is None else (*self.path, field), message)


def read_documents(files: Iterable[Path]) -> tuple[list[YamlDocument], list[Problem]]:
    """Read and parse each file; unreadable files and YAML errors become problems."""
    with gc_paused():  # parsing builds many acyclic objects; collecting during it only costs time
        return _read_documents(files)


def _read_documents(files: Iterable[Path]) -> tuple[list[YamlDocument], list[Problem]]:
    docs, problems = [], []
    read = [_read_file(file) for file in files]
    parsed = iter(_parse([named for named in read if not isinstance(named, Problem)]))
    for named in read:
        if isinstance(named, Problem):
            problems.append(named)
            continue
        doc, found = next(parsed)
        if found:  # a file with YAML problems is not checked further, so errors do not cascade
            problems.extend(found)
            continue
        if doc.data is None:
            continue  # an empty file adds nothing
        if not isinstance(doc.data, dict):
            problems.append(
                doc.problem([], "a catalog file must be a mapping with catalog/collections/resources")
            )
            continue
        docs.append(doc)
    return docs, problems


def _read_file(file: Path) -> tuple[str, str, bytes] | Problem:
    """A file's name, text and bytes; the problem when it is not UTF-8 (MlopsRefsError when unreadable)."""
    name = str(file)
    try:
        raw = file.read_bytes()
        return name, raw.decode("utf-8"), raw
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(name, line, 1, "", "not valid UTF-8; save the file as UTF-8")
    except OSError as exc:
        raise MlopsRefsError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _parse(named: list[tuple[str, str, bytes | None]]) -> list[tuple[YamlDocument, list[Problem]]]:
    """Each (name, text, its UTF-8 bytes or None) parsed, with its YAML problems: quickly where the text is
    clean (big catalogs in two processes), else by the careful reader."""
    texts = [(text, raw) for _name, text, raw in named]
    quick = map_shared(_quick_read, texts, [len(text) for text, _raw in texts])
    return [
        (YamlDocument(name, read[0], None, texts_keep_rule=read[1]), [])
        if read is not None
        else read_yaml(name, text, keep_text=False)
        for (name, text, _raw), read in zip(named, quick, strict=True)
    ]


def _quick_read(text_and_bytes: tuple[str, bytes | None]) -> tuple[dict[str, Any], bool] | None:
    return quick_read(*text_and_bytes)


def parse_texts(named_texts: list[tuple[str, str]]) -> tuple[list[YamlDocument], list[Problem]]:
    """Catalog files' texts (name, text) parsed, and their YAML problems: quickly where they are clean (big
    ones in two processes), else by the careful reader."""
    parsed = _parse([(name, text, None) for name, text in named_texts])
    return [doc for doc, _found in parsed], [problem for _doc, found in parsed for problem in found]


def load_catalog(path: str | os.PathLike[str] | None = None, *, unique_identifiers: bool = True) -> Catalog:
    """Load and validate a catalog: the bundled one by default, else a YAML file or a folder of them.

    Without ``unique_identifiers`` two resources may share a DOI, arXiv id or URL (for ``dedupe`` to merge).
    """
    with gc_paused():  # parsing builds millions of acyclic objects; collecting during it only costs time
        return _load(path, unique_identifiers)


def _load(path: str | os.PathLike[str] | None, unique_identifiers: bool = True) -> Catalog:
    docs, problems = parse_catalog(path)
    return catalog_from_documents(docs, problems, unique_identifiers)


def catalog_from_documents(
    docs: list[YamlDocument], problems: list[Problem] | None = None, unique_identifiers: bool = True
) -> Catalog:
    """Validate parsed catalog files together and build the catalog (CatalogError lists every problem)."""
    return _build(*check_documents(docs, problems, unique_identifiers))


Checked = tuple[list[_Entry], list[_Entry], list[_Entry]]  # a catalog's checked entries, for the model


def check_documents(
    docs: list[YamlDocument], problems: list[Problem] | None = None, unique_identifiers: bool = True
) -> Checked:
    """Validate parsed catalog files together, as loading them does (CatalogError lists every problem)."""
    problems = [*(problems or ()), *file_problems(docs)]
    if problems:
        raise CatalogError(problems)
    info_entries, collections, resources = _gather(docs)
    problems = _check(info_entries, collections, resources, unique_identifiers)
    if problems:
        raise CatalogError(problems)
    return info_entries, collections, resources


# The steps of load_catalog, one public function each, in the order it runs them.


def parse_catalog(path: str | os.PathLike[str] | None = None) -> tuple[list[YamlDocument], list[Problem]]:
    """Step 1: the parsed files of a catalog, and the problems of those that cannot be read or parsed."""
    files = catalog_files(path)
    docs, problems = read_documents(files)
    if not docs and not problems:
        raise CatalogError([_empty(file, len(files)) for file in files])
    return docs, problems


def file_problems(docs: list[YamlDocument]) -> list[Problem]:
    """Step 2: what each file breaks on its own: the JSON Schema and the character rule."""
    problems = []
    for doc in docs:
        problems.extend(schema_problems(doc))
        problems.extend(text_problems(doc))
    return problems


def catalog_problems(docs: list[YamlDocument]) -> list[Problem]:
    """Step 3, on files without file problems: what the files break together (ids, references, cycles)."""
    return _check(*_gather(docs))


def build_catalog(docs: list[YamlDocument]) -> Catalog:
    """Step 4, on files without any problem: the Catalog model."""
    return _build(*_gather(docs))


def _empty(file: Path, count: int) -> Problem:
    """The problem of a catalog whose every file is empty (or holds only comments)."""
    what = "the file is empty" if count == 1 else "the file is empty, as is every file of the catalog"
    return Problem(str(file), 1, 1, "", f"{what}; a catalog needs 'collections:' and 'resources:'")


def _gather(docs: list[YamlDocument]) -> tuple[list[_Entry], list[_Entry], list[_Entry]]:
    info, collections, resources = [], [], []
    for doc in docs:
        if "catalog" in doc.data:
            info.append(_Entry(doc, ("catalog",), doc.data["catalog"]))
        for i, c in enumerate(doc.data.get("collections", [])):
            collections.append(_Entry(doc, ("collections", i), c))
        for i, r in enumerate(doc.data.get("resources", [])):
            resources.append(_Entry(doc, ("resources", i), r))
    return info, collections, resources


def _duplicates(
    entries: list[_Entry], field: str, what: str, normalise: Callable[[Any], Any] | None = None
) -> list[Problem]:
    seen: dict[Any, _Entry] = {}
    problems = []
    for e in entries:
        value = e.data.get(field)
        if value is None:
            continue
        key = value if normalise is None else normalise(value)
        if key in seen:
            first = seen[key]
            where = f"{first.doc.file}:{first.doc.locate((*first.path, field))[0]}"
            owner = first.data.get("id", "?")
            problems.append(
                e.problem(
                    field,
                    f"{what} {value!r} is already used by {owner!r} at {where}; "
                    "keep one entry and list all its collections there",
                )
            )
        else:
            seen[key] = e
    return problems


@gc_paused()
def _check(
    info: list[_Entry], collections: list[_Entry], resources: list[_Entry], unique_identifiers: bool = True
) -> list[Problem]:
    problems = []
    for extra in info[1:]:
        problems.append(
            extra.problem(
                None, f"catalog metadata is already given in {info[0].doc.file}; keep one 'catalog:' block"
            )
        )
    problems += _duplicates(collections, "id", "collection id")
    problems += _duplicates(resources, "id", "resource id")
    if unique_identifiers:
        problems += _duplicates(resources, "doi", "DOI", str.lower)
        problems += _duplicates(resources, "arxiv", "arXiv id")
        problems += _duplicates(resources, "url", "URL", lambda u: u.rstrip("/"))
    known = {c.data["id"] for c in collections}
    parents = {}
    for c in collections:
        parent = c.data.get("parent")
        if parent is not None and parent not in known:
            problems.append(
                c.problem("parent", f"unknown collection {parent!r}; define it under 'collections:'")
            )
        elif parent is not None:
            parents[c.data["id"]] = parent
    problems += _cycles(collections, parents)
    for meta in info:
        if "homepage" in meta.data and (why := url_problem(meta.data["homepage"])):
            problems.append(meta.problem("homepage", why))
    for c in collections:
        if "url" in c.data and (why := url_problem(c.data["url"])):
            problems.append(c.problem("url", why))
    for r in resources:
        for i, cid in enumerate(r.data.get("collections", ())):
            if cid not in known:
                problems.append(
                    r.doc.problem(
                        (*r.path, "collections", i),
                        f"unknown collection {cid!r}; define it under 'collections:'",
                    )
                )
        if "url" in r.data and (why := url_problem(r.data["url"])):
            problems.append(r.problem("url", why))
        if "isbn" in r.data and not isbn_is_valid(r.data["isbn"]):
            problems.append(
                r.problem("isbn", f"{r.data['isbn']!r} has a wrong check digit; copy the ISBN again")
            )
        for field in DATE_FIELDS:
            if field in r.data and not _date_exists(r.data[field]):
                problems.append(r.problem(field, f"{r.data[field]!r} is not a real calendar date"))
        if "arxiv_class" in r.data and "arxiv" not in r.data:
            problems.append(
                r.problem("arxiv_class", "is set but 'arxiv' is not; add the arXiv id or remove it")
            )
    return problems


def _cycles(collections: list[_Entry], parents: dict[str, str]) -> list[Problem]:
    """Each loop of parents, reported once at its first collection in catalog order; linear time."""
    order = {c.data["id"]: n for n, c in enumerate(collections)}
    walked_in: dict[str, int] = {}  # collection id -> the walk that first reached it
    loops = []
    for walk, c in enumerate(collections):
        cid: str | None = c.data["id"]
        while cid is not None and cid not in walked_in:
            walked_in[cid] = walk
            cid = parents.get(cid)
        if cid is not None and walked_in[cid] == walk:  # this walk came back to itself: a new loop
            loop = [cid]
            while parents[loop[-1]] != cid:
                loop.append(parents[loop[-1]])
            start = min(range(len(loop)), key=lambda i: order[loop[i]])
            loops.append(loop[start:] + loop[:start])
    problems = []
    for loop in sorted(loops, key=lambda loop: order[loop[0]]):
        shown = " -> ".join([*loop, loop[0]] if len(loop) <= 8 else [*loop[:8], f"... ({len(loop)} in all)"])
        problems.append(
            collections[order[loop[0]]].problem(
                "parent",
                f"collections form a cycle: {shown}; one of them must be a root or have another parent",
            )
        )
    return problems


def _date_exists(value: str | int) -> bool:
    parts = [int(p) for p in str(value).split("-")]
    try:
        date(parts[0], *([*parts[1:], 1, 1])[:2])
    except ValueError:
        return False
    return True


def _person(data: dict[str, str]) -> Person:
    return Person.from_fields(dict(data))  # a schema-valid person has only Person's fields


def _date(value: str | int | None) -> PartialDate | None:
    return None if value is None else PartialDate.parse(value)


def build_checked(checked: Checked) -> Catalog:
    """The Catalog model of what ``check_documents`` found without a problem."""
    return _build(*checked)


@gc_paused()
def _build(info: list[_Entry], collections: list[_Entry], resources: list[_Entry]) -> Catalog:
    catalog_info = _info(info[0].data) if info else CatalogInfo()
    built_collections = [
        Collection(
            id=d["id"],
            title=d["title"],
            kind=d["kind"],
            parent_id=d.get("parent"),
            summary=d.get("summary"),
            url=d.get("url"),
        )
        for d in (c.data for c in collections)
    ]
    people: _KnownPeople = {}
    built_resources = [resource_from_mapping(r.data, people) for r in resources]
    return Catalog.build(catalog_info, built_collections, built_resources)


def _info(meta: dict[str, Any]) -> CatalogInfo:
    return CatalogInfo(
        title=meta.get("title", CatalogInfo().title),
        description=meta.get("description"),
        version=meta.get("version"),
        license=meta.get("license"),
        updated=_date(meta.get("updated")),
        homepage=meta.get("homepage"),
        maintainers=tuple(_person(p) for p in meta.get("maintainers", ())),
    )


PLAIN_FIELDS = (
    "url",
    "container",
    "publisher",
    "institution",
    "volume",
    "issue",
    "pages",
    "number",
    "doi",
    "arxiv",
    "arxiv_class",
    "isbn",
    "issn",
    "pmid",
    "pmcid",
    "edition",
    "series",
    "chapter",
    "place",
    "added",
    "summary",
    "abstract",
    "language",
    "note",
)


def _extra(value: list[dict[str, str]] | dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Extra fields as (name, value) pairs: from a list of {name, value} or a mapping, order kept."""
    if not value:
        return ()
    if isinstance(value, dict):
        return tuple((str(k), v) for k, v in value.items())
    return tuple((item["name"], item["value"]) for item in value)


_KnownPeople = dict[tuple[tuple[str, str], ...], Person]  # a person mapping's items -> its Person


def _people(value: list[dict[str, str]], known: _KnownPeople) -> tuple[Person, ...]:
    """The Persons of a list of schema-valid person mappings, each made once per distinct mapping."""
    people = []
    for mapping in value:
        key = tuple(mapping.items())
        person = known.get(key)
        if person is None:
            person = known[key] = Person.from_fields(dict(mapping))
        people.append(person)
    return tuple(people)


# Each field of a schema-valid resource mapping -> the Resource field it gives, and how (None: as it is;
# _people with the people met so far).
# The argument names are the model's own (interned) strings, which its attribute look-ups find at once.
_RESOURCE_ARGUMENTS: dict[str, tuple[str, Callable[..., Any] | None]] = {
    **{f: (f, None) for f in PLAIN_FIELDS},
    "id": ("id", None),
    "type": ("type", None),
    "title": ("title", None),
    "collections": ("collection_ids", tuple),
    "authors": ("authors", _people),
    "editors": ("editors", _people),
    "translators": ("translators", _people),
    "tags": ("tags", tuple),
    "aliases": ("aliases", tuple),
    "extra": ("extra", _extra),
    **{f: (f, PartialDate.parse) for f in DATE_FIELDS},
}


def resource_from_mapping(d: dict[str, Any], people: _KnownPeople | None = None) -> Resource:
    """The Resource a schema-valid resource mapping describes.

    ``people`` keeps the Person made for each person mapping met so far: the resources of one catalog share
    one Person per distinct name (names recur across resources), which is faster and smaller.
    """
    known = {} if people is None else people
    arguments = {}
    for name, value in d.items():
        argument, convert = _RESOURCE_ARGUMENTS[name]
        if convert is None:
            arguments[argument] = value
        elif convert is _people:
            arguments[argument] = _people(value, known)
        else:
            arguments[argument] = convert(value)
    return Resource.from_fields(arguments)
