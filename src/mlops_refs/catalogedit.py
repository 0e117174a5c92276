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
from .model import Collection, Resource
from .readers.catalog_yaml import collection_mapping, resource_mapping
from .yamlio import read_yaml

_EMPTIED_LIST = re.compile(r"^resources:(?=[ \t]*(?:#.*)?$)", re.MULTILINE)


@dataclass(frozen=True)
class Span:
    """Where one resource mapping stands in a file's text (offsets), and how its item is laid out."""

    start: int  # first character of the mapping (after "- ")
    end: int  # end of the line of its last character
    item_start: int  # start of the line holding "- "
    indent: int  # column of the mapping's keys
    flow: bool  # the resources list is a flow sequence: write the mapping in flow style


def resource_yaml(resource: Resource, indent: int = 4) -> str:
    """One resource as block YAML in the style of ``data/``: first line bare, the others indented."""
    first, *rest = resource_mapping(resource)
    pad = " " * indent
    return "\n".join([first, *(pad + line for line in rest)])


def resource_data(resource: Resource) -> dict[str, Any]:
    """One resource as the plain data its YAML holds (for a flow mapping, or to compare)."""
    return yaml.safe_load(resource_yaml(resource, 0))


def collection_yaml(c: Collection, indent: int = 4) -> str:
    """One collection as block YAML in the style of ``data/catalog.yaml``."""
    first, *rest = collection_mapping(c)
    pad = " " * indent
    return "\n".join([first, *(pad + line for line in rest)])


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
