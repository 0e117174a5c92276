"""Rewriting single resource mappings inside hand-edited catalog files, leaving every other byte as it was.

A merge touches a few resources; the person who keeps the catalog has comments, blank lines and an order of
their own around the rest. So a file is never dumped again: the text span of each touched resource mapping
(found through the YAML node marks) is replaced by that resource written in the style of ``data/``, a
removed resource's item is cut out, and new collections and resources go to a file of their own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import MlopsRefsError
from .model import Collection, PartialDate, Person, Resource
from .yamlio import read_yaml

#: The order fields are written in, as in ``data/resources/*.yaml``; new model fields after their kin.
FIELD_ORDER = (
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
_YAML_NAMES = {"collection_ids": "collections"}
_PLAIN_FIELDS = frozenset(("id", "type", "url", "arxiv_class", "language"))
_PERSON_PARTS = ("family", "given", "particle", "suffix", "literal")
_PLAIN = re.compile(r"[^\W\d_][\w .'()/+-]*")
_PLAIN_URL = re.compile(r"https?://[^\s\"'#,\[\]{}]*[^\s\"'#,\[\]{}:]")
_RESERVED = frozenset(("null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"))
_EMPTIED_LIST = re.compile(r"^resources:(?=[ \t]*(?:#.*)?$)", re.MULTILINE)
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


@dataclass(frozen=True)
class Span:
    """Where one resource mapping stands in a file's text (offsets), and how its item is laid out."""

    start: int  # first character of the mapping (after "- ")
    end: int  # end of the line of its last character
    item_start: int  # start of the line holding "- "
    indent: int  # column of the mapping's keys
    flow: bool  # the resources list is a flow sequence: write the mapping in flow style


def quote(text: str) -> str:
    """A double-quoted YAML scalar of any text (JSON escapes, plus those YAML needs beyond JSON)."""
    dumped = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def scalar(text: str, plain: bool = False) -> str:
    """A scalar written plain when ``plain`` and YAML reads it back as the same string, else quoted."""
    safe = bool(text) and text.lower() not in _RESERVED and text == text.strip()
    if plain and safe and (_PLAIN_URL.fullmatch(text) or (_PLAIN.fullmatch(text) and ": " not in text)):
        return text
    return quote(text)


def _flow_value(text: str) -> str:
    """A string inside a flow collection (tags, collection ids, name parts)."""
    safe = text.lower() not in _RESERVED and text == text.strip() and not any(c in text for c in ",[]{}#:")
    return text if safe and _PLAIN.fullmatch(text) else quote(text)


def _person(p: Person) -> str:
    parts = [(name, getattr(p, name)) for name in _PERSON_PARTS if getattr(p, name) is not None]
    return "{" + ", ".join(f"{name}: {_flow_value(value)}" for name, value in parts) + "}"


def _value_lines(name: str, value: Any) -> list[str]:
    key = _YAML_NAMES.get(name, name)
    if isinstance(value, PartialDate):
        return [f"{key}: {quote(value.iso())}"]
    if name in ("authors", "editors", "translators"):
        return [f"{key}:", *(f"  - {_person(p)}" for p in value)]
    if name == "extra":
        return [f"{key}:", *(f"  - [{quote(k)}, {quote(v)}]" for k, v in value)]
    if isinstance(value, tuple):
        return [f"{key}: [{', '.join(_flow_value(v) for v in value)}]"]
    return [f"{key}: {scalar(str(value), plain=name in _PLAIN_FIELDS)}"]


def resource_yaml(resource: Resource, indent: int = 4) -> str:
    """One resource as block YAML in the style of ``data/``: first line bare, the others indented."""
    lines: list[str] = []
    for name in FIELD_ORDER:
        value = getattr(resource, name)
        if value is None or (value == () and name != "collection_ids"):
            continue
        lines.extend(_value_lines(name, value))
    pad = " " * indent
    return "\n".join([lines[0], *(pad + line for line in lines[1:])])


def resource_data(resource: Resource) -> dict[str, Any]:
    """One resource as the plain data its YAML holds (for a flow mapping, or to compare)."""
    return yaml.safe_load(resource_yaml(resource, 0))


def collection_yaml(c: Collection, indent: int = 4) -> str:
    """One collection as block YAML in the style of ``data/catalog.yaml``."""
    lines = [f"id: {scalar(c.id, plain=True)}", f"kind: {c.kind}"]
    if c.parent_id is not None:
        lines.append(f"parent: {scalar(c.parent_id, plain=True)}")
    lines.append(f"title: {quote(c.title)}")
    for name in ("summary", "url"):
        if getattr(c, name) is not None:
            lines.append(f"{name}: {scalar(getattr(c, name), plain=name == 'url')}")
    pad = " " * indent
    return "\n".join([lines[0], *(pad + line for line in lines[1:])])


def new_file_text(collections: list[Collection], resources: list[Resource], comment: str) -> str:
    """A catalog file of its own holding new collections and resources."""
    out = [f"# {line}".rstrip() for line in comment.splitlines()]
    if collections:
        out.append("collections:")
        out.extend(f"  - {collection_yaml(c)}" for c in collections)
    if resources:
        if collections:
            out.append("")
        out.append("resources:")
        for i, r in enumerate(resources):
            if i:
                out.append("")
            out.append(f"  - {resource_yaml(r)}")
    return "\n".join(out) + "\n"


def resource_spans(file: str, text: str) -> dict[str, Span]:
    """Resource id -> the span of its mapping in one catalog file's text."""
    doc, problems = read_yaml(file, text)
    root = doc.root
    if problems or not isinstance(root, yaml.MappingNode):
        return {}
    starts = _line_starts(text)
    spans = {}
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "resources"):
            continue
        if not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            rid = _id_of(item)
            if rid is None:
                continue
            end = _last_mark(item, text)
            line_end = text.find("\n", end)
            if not value.flow_style:  # a block item owns the rest of its last line (a trailing comment)
                end = len(text) if line_end < 0 else line_end
            spans[rid] = Span(
                start=item.start_mark.index,
                end=end,
                item_start=starts[item.start_mark.line],
                indent=item.start_mark.column,
                flow=bool(value.flow_style),
            )
    return spans


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _id_of(item: yaml.Node) -> str | None:
    if isinstance(item, yaml.MappingNode):
        for k, v in item.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "id" and isinstance(v, yaml.ScalarNode):
                return str(v.value)
    return None


def _last_mark(node: yaml.Node, text: str) -> int:
    """Offset just past the last character of a node (block collections end where their last value ends)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return len(text[: node.end_mark.index].rstrip())


def edit(text: str, spans: dict[str, Span], replace: dict[str, Resource], remove: set[str]) -> str:
    """The text with each resource in ``replace`` rewritten in place and each in ``remove`` cut out."""
    pieces = []
    cursor = 0
    for rid, span in sorted(spans.items(), key=lambda item: item[1].start):
        if rid in replace:
            pieces.append(text[cursor : span.start])
            resource = replace[rid]
            if span.flow:
                pieces.append(json.dumps(resource_data(resource), ensure_ascii=False))
            else:
                pieces.append(resource_yaml(resource, span.indent))
            cursor = span.end
        elif rid in remove:
            if span.flow:
                raise MlopsRefsError(
                    f"cannot remove {rid!r} from a flow-style list [...]; "
                    "write the resources list in block style"
                )
            pieces.append(text[cursor : span.item_start])
            cursor = min(len(text), span.end + 1)
    pieces.append(text[cursor:])
    edited = "".join(pieces)
    if remove and spans and remove.issuperset(spans):  # every item cut: the list is now empty, not null
        edited = _EMPTIED_LIST.sub("resources: []", edited, count=1)
    return edited
