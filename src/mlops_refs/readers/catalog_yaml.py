"""The catalog's own YAML, both directions: the shape of ``data/`` written for people, and read back.

The writer gives what a person would type: a ``catalog.yaml`` with the metadata and the collection tree,
resource files with one mapping per resource, short persons on one line (``{family: X, given: Y}``). As in
``data/``, a resource's free text (titles, summaries, notes...) is always quoted, while identifiers, types,
URLs, list items and the collection tree are quoted only where YAML needs it (dates, numbers, ``yes``, a
leading ``-``, a ``: `` inside...). Quoted strings are YAML double-quoted with every character YAML may not
hold as is escaped, so any text reads back equal. ``resource_mapping`` is the one renderer of a resource:
``catalogedit`` rewrites touched resources in hand-edited files with it. The reader is the catalog loader
itself: the same schema and checks as ``data/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields
from functools import cache
from typing import IO, TYPE_CHECKING, Any, ClassVar

from ..memo import run_scope, shared
from .base import NotThisFormatError, Report
from .textio import decode

if TYPE_CHECKING:  # the exporter is listed with the others: planning a cached export imports none of these
    from ..model import Catalog, Collection, Person, Resource

#: Resource fields in the order a person reads them, as ``data/`` lists them.
RESOURCE_ORDER = (
    "id",
    "type",
    "title",
    "authors",
    "editors",
    "translators",
    "issued",
    "original_date",
    "container",
    "publisher",
    "institution",
    "volume",
    "issue",
    "pages",
    "number",
    "edition",
    "series",
    "chapter",
    "place",
    "doi",
    "arxiv",
    "arxiv_class",
    "isbn",
    "issn",
    "pmid",
    "pmcid",
    "url",
    "accessed",
    "added",
    "summary",
    "abstract",
    "tags",
    "collection_ids",
    "language",
    "note",
    "aliases",
    "extra",
)
#: Resource fields written plain when YAML reads them back as the same string; other text is always quoted.
PLAIN_FIELDS = frozenset(("id", "type", "url", "arxiv_class", "language"))
#: The model's field names that the YAML spells differently.
YAML_NAMES = {"collection_ids": "collections"}
LOST_FIELDS: frozenset[str] = frozenset()

_STR_TAG = "tag:yaml.org,2002:str"
# What YAML may not hold as is in a double-quoted scalar (and what would read back as something else).
_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]')
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = re.compile(r"[,\[\]{}?:]")  # PyYAML ends a plain scalar at these in [...] and {...}
_NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def _escape_char(match: re.Match[str]) -> str:
    c = match.group()
    if c in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text``.

    >>> quoted('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    """
    if not _ESCAPE.search(text):
        return '"' + text + '"'
    return '"' + _ESCAPE.sub(_escape_char, text) + '"'


def scalar(text: str, flow: bool = False) -> str:
    """A string as YAML: plain when YAML reads it back as the same string, double-quoted otherwise.

    >>> scalar("Hidden Technical Debt"), scalar("2015"), scalar("yes"), scalar("a: b")
    ('Hidden Technical Debt', '"2015"', '"yes"', '"a: b"')
    """
    if (
        not text
        or text != text.strip()
        or text[0] in _INDICATORS
        or text.startswith("...")
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or _ESCAPE.search(text)
        or (flow and _FLOW_FORBIDDEN.search(text))
        or _implicit_tag(text) != _STR_TAG
    ):
        return quoted(text)
    return text


@cache
def _resolver() -> Any:
    import yaml

    return yaml.resolver.Resolver(), yaml.ScalarNode


def _implicit_tag(text: str) -> str:
    """The tag YAML gives a plain scalar: str, int, float, bool, null, timestamp..."""
    resolver, node = _resolver()
    if text[:1] not in resolver.yaml_implicit_resolvers:  # no pattern for its first character: a string,
        return _STR_TAG  # as resolve() answers without a pattern to try (most titles and names)
    return str(resolver.resolve(node, text, (True, False)))


def _value(value: object, flow: bool = False) -> str:
    if hasattr(value, "iso"):  # a PartialDate
        return quoted(value.iso())  # type: ignore[attr-defined]
    return scalar(str(value), flow)


@shared  # a person's line is a function of the (immutable) person; authors recur
def person(p: Person) -> str:
    """A person on one line: ``{family: Sculley, given: D.}``."""
    parts = [
        f"{name}: {_flow_scalar(value)}" for name in _field_names(type(p)) if (value := getattr(p, name))
    ]
    return "{" + ", ".join(parts) + "}"


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@shared  # tags, collection ids and names recur from resource to resource
def _flow_scalar(text: str) -> str:
    return scalar(text, flow=True)


_PEOPLE, _FLOW_LIST, _EXTRA, _PLAIN, _QUOTED = range(5)


@cache
def _resource_keys() -> tuple[tuple[str, str, int], ...]:
    """Each resource field in writing order: its name, its YAML key and how its value is written (made on
    first use: planning a cached export imports no model)."""
    from ..model import PEOPLE_FIELDS, TEXT_LIST_FIELDS

    return tuple(
        (
            name,
            YAML_NAMES.get(name, name),
            _PEOPLE
            if name in PEOPLE_FIELDS
            else _FLOW_LIST
            if name in TEXT_LIST_FIELDS
            else _EXTRA
            if name == "extra"
            else _PLAIN
            if name in PLAIN_FIELDS
            else _QUOTED,
        )
        for name in RESOURCE_ORDER
    )


def resource_mapping(r: Resource) -> list[str]:
    """One resource mapping as lines in the style of ``data/resources/``, its keys at column 0.

    Identifiers, types, URLs and language codes are plain when YAML allows; other text is always quoted;
    people, tags, collections and aliases are flow lists; ``extra`` is a list of ``{name, value}``.
    This is the one place a resource's YAML is rendered: the catalog writer and ``catalogedit`` use it.
    """
    lines = []
    for name, key, kind in _resource_keys():
        value = getattr(r, name)
        if value is None or value == ():
            continue
        if kind == _QUOTED:
            lines.append(f"{key}: {quoted(value.iso() if hasattr(value, 'iso') else str(value))}")
        elif kind == _PLAIN:
            lines.append(f"{key}: {scalar(str(value))}")
        elif kind == _PEOPLE:
            lines.append(f"{key}:")
            lines += [f"  - {person(p)}" for p in value]
        elif kind == _FLOW_LIST:
            lines.append(f"{key}: [{', '.join([_flow_scalar(v) for v in value])}]")
        else:
            lines.append(f"{key}:")
            lines += [f"  - {{name: {_flow_scalar(n)}, value: {_flow_scalar(text)}}}" for n, text in value]
    return lines


def resource_lines(r: Resource, indent: str = "  ") -> Iterator[str]:
    """One resource as the lines of a YAML list item."""
    for i, line in enumerate(resource_mapping(r)):
        yield f"{indent}{'  ' if i else '- '}{line}"


def collection_mapping(c: Collection) -> list[str]:
    """One collection mapping as lines in the style of ``data/catalog.yaml``, its keys at column 0."""
    lines = [f"id: {scalar(c.id)}", f"kind: {scalar(c.kind)}"]
    if c.parent_id is not None:
        lines.append(f"parent: {scalar(c.parent_id)}")
    lines.append(f"title: {scalar(c.title)}")
    for name in ("summary", "url"):
        if getattr(c, name):
            lines.append(f"{name}: {scalar(getattr(c, name))}")
    return lines


def collection_lines(c: Collection, indent: str = "  ") -> Iterator[str]:
    """One collection as the lines of a YAML list item."""
    for i, line in enumerate(collection_mapping(c)):
        yield f"{indent}{'  ' if i else '- '}{line}"


def catalog_lines(catalog: Catalog, with_resources: bool = True) -> Iterator[str]:
    """The metadata and collections (and, unless told otherwise, the resources) as YAML lines."""
    info = catalog.info
    yield "catalog:"
    yield f"  title: {scalar(info.title)}"
    for name in ("description", "version", "license", "updated", "homepage"):
        value = getattr(info, name)
        if value is not None:
            yield f"  {name}: {_value(value)}"
    if info.maintainers:
        yield "  maintainers:"
        yield from (f"    - {person(p)}" for p in info.maintainers)
    if catalog.collections:
        yield ""
        yield "collections:"
        for c in catalog.collections:
            yield from collection_lines(c)
    if with_resources and catalog.resources:
        yield ""
        yield from resources_lines(catalog.resources)


def resources_lines(resources: tuple[Resource, ...] | list[Resource]) -> Iterator[str]:
    """A ``resources:`` list, a blank line between resources."""
    yield "resources:"
    for i, r in enumerate(resources):
        if i:
            yield ""
        yield from resource_lines(r)


FILE_RESOURCES = 1000  # resources in one file of a written folder at most: files stay easy to edit and diff
_SHARED_RESOURCES = 2000  # a folder with this many resources is written in two processes (parallel.py)


def folder_files(catalog: Catalog) -> dict[str, str]:
    """The catalog as a folder like ``data/``: relative path -> text.

    Resources go to ``resources/NNN-ROOT.yaml``, one file per run of resources whose first collection is
    under the same root (a long run in files of ``FILE_RESOURCES``), numbered so that loading the folder
    (files in name order) keeps the catalog's order.
    """
    from ..parallel import map_shared

    runs: list[tuple[str, list[Resource]]] = []
    for r in catalog.resources:
        root = "no-collection"
        if r.collection_ids:
            root = catalog.path(catalog.collection(r.collection_ids[0]))[0].id
        if runs and runs[-1][0] == root and len(runs[-1][1]) < FILE_RESOURCES:
            runs[-1][1].append(r)
        else:
            runs.append((root, [r]))
    width = max(3, len(str(len(runs))))
    names = ["catalog.yaml", *(f"resources/{n:0{width}d}-{root}.yaml" for n, (root, _) in enumerate(runs, 1))]
    parts: list[list[Resource] | None] = [None, *(members for _root, members in runs)]

    def text(members: list[Resource] | None) -> str:
        lines = catalog_lines(catalog, with_resources=False) if members is None else resources_lines(members)
        return "\n".join(lines) + "\n"

    sizes = [len(members) if members else 1 for members in parts]
    with run_scope():  # people, tags and collection ids recur: each rendered once
        return dict(zip(names, map_shared(text, parts, sizes, _SHARED_RESOURCES), strict=True))


class CatalogYamlExporter:
    """The whole catalog as one YAML file in the catalog's own shape (``mlops-refs validate`` reads it)."""

    name: ClassVar[str] = "yaml"
    aliases: ClassVar[tuple[str, ...]] = ("catalog", "yml")
    extension: ClassVar[str] = ".yaml"
    media_type: ClassVar[str] = "application/yaml"
    description: ClassVar[str] = "The catalog's own YAML, as in data/: readable, and read back as it was."
    default_filename: ClassVar[str] = "mlops-refs.yaml"

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the catalog as one YAML document."""
        from ..exporters import write_lines

        write_lines(stream, catalog_lines(catalog))


class CatalogYamlReader:
    """A catalog YAML file, checked by the same schema and rules as ``data/``."""

    name: ClassVar[str] = "yaml"
    aliases: ClassVar[tuple[str, ...]] = ("catalog", "yml")
    extensions: ClassVar[tuple[str, ...]] = (".yaml", ".yml")

    def sniff(self, head: str) -> bool:
        """True when the file has a top-level catalog:, collections: or resources: key."""
        return re.search(r"^(catalog|collections|resources):", head, re.MULTILINE) is not None

    def read(self, data: bytes, report: Report) -> Catalog:
        """The catalog in one YAML file; CatalogError lists every problem, as ``validate`` does."""
        from ..catalog import catalog_from_documents
        from ..errors import Problem
        from ..fastyaml import quick_read
        from ..yamlio import YamlDocument, read_yaml

        text = decode(data, report)
        quick = quick_read(text)  # the careful reader's data, quickly, or None: then the careful reader
        if quick is not None:
            doc, problems = YamlDocument(report.file, quick[0], text, texts_keep_rule=quick[1]), []
        else:
            doc, problems = read_yaml(report.file, text)
        if not problems and not isinstance(doc.data, dict):
            raise NotThisFormatError(
                f"{report.file}: not a catalog file (no catalog:, collections: or resources:)"
            )
        catalog = catalog_from_documents([] if problems else [doc], problems or list[Problem]())
        report.read = len(catalog.resources)
        return catalog
