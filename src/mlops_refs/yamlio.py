"""Safe YAML reading that keeps what PyYAML throws away: duplicate keys and where each value stands."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C parser when libyaml is there, the pure-Python one otherwise; both are safe loaders
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from .errors import Problem

PathPart = str | int


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that leaves dates as the strings the user wrote."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_SCALARS = {
    "tag:yaml.org,2002:str": lambda loader, node: node.value,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
}

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


@dataclass(frozen=True)
class YamlDocument:
    """Plain data read from one file, with the means to point back into the text.

    The node tree that knows where each value stands is composed again only when a problem must be located,
    so a large catalog does not keep one in memory per file.
    """

    file: str
    data: Any
    text: str | None = field(repr=False, compare=False)  # None: read the file again when needed
    _nodes: list[yaml.Node | None] = field(default_factory=list, repr=False, compare=False)

    @property
    def root(self) -> yaml.Node | None:
        """The composed node tree of the text (None for an empty or unreadable one)."""
        if not self._nodes:
            try:
                text = self.text if self.text is not None else Path(self.file).read_text(encoding="utf-8")
                self._nodes.append(_compose(text))
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
                self._nodes.append(None)
        return self._nodes[0]

    def locate(self, path: Sequence[PathPart], key: str | None = None) -> tuple[int, int]:
        """1-based (line, column) of the value at ``path``, or of its ``key`` when given."""
        node = self.root
        found = (1, 1) if node is None else _position(node)
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child[1]
            found = _position(node)
        if key is not None and isinstance(node, yaml.MappingNode):
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    return _position(k)
        return found

    def problem(self, path: Sequence[PathPart], message: str, key: str | None = None) -> Problem:
        """A Problem located at ``path`` (or its ``key``) in this file."""
        line, column = self.locate(path, key)
        return Problem(self.file, line, column, format_path([*path, key] if key else path), message)


def format_path(path: Sequence[PathPart]) -> str:
    """JSON-path-like text for a location: ``resources[3].authors[0].family``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _child(node: yaml.Node | None, part: PathPart) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == part:
                return k, v
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node, node.value[part]
    return None


def _compose(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(file: str, text: str, keep_text: bool = True) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document; syntax errors and duplicate keys come back as problems.

    Without ``keep_text`` the document reads ``file`` again to locate a problem found later, instead of
    holding the text in memory.
    """
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return YamlDocument(file, None, text), [
            Problem(file, line, col, "", f"YAML syntax error: {what}; fix the indentation or quoting there")
        ]
    except yaml.YAMLError as exc:
        return YamlDocument(file, None, text), [Problem(file, 1, 1, "", f"YAML error: {exc}")]
    problems: list[Problem] = []
    try:
        data = None if root is None else _construct(_CONSTRUCTOR, file, root, [], problems)
    except RecursionError:
        return YamlDocument(file, None, text), [
            Problem(
                file, 1, 1, "", "YAML aliases refer to themselves or nest too deeply; expand them by hand"
            )
        ]
    return YamlDocument(file, data, text if keep_text or problems else None), problems


def _construct(loader: Any, file: str, node: yaml.Node, path: list[PathPart], problems: list[Problem]) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if node.style == '"' and _CONTROL.search(node.value):  # only a double-quoted escape can write one
            line, col = _position(node)
            char = _CONTROL.search(node.value).group()  # type: ignore[union-attr]
            problems.append(
                Problem(
                    file,
                    line,
                    col,
                    format_path(path),
                    f"contains the control character "
                    f"U+{ord(char):04X}, which no export format can carry; remove it",
                )
            )
        build = _SCALARS.get(node.tag)
        if build is None:
            line, col = _position(node)
            problems.append(Problem(file, line, col, format_path(path), f"unsupported YAML tag {node.tag}"))
            return node.value
        return build(loader, node)
    if node.tag not in _COLLECTION_TAGS:
        line, col = _position(node)
        problems.append(Problem(file, line, col, format_path(path), f"unsupported YAML tag {node.tag}"))
        return None
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, file, item, [*path, i], problems) for i, item in enumerate(node.value)]
    mapping: dict[Any, Any] = {}
    first_seen: dict[Any, yaml.Node] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            line, col = _position(key_node)
            problems.append(Problem(file, line, col, format_path(path), "merge keys (<<) are not supported"))
            continue
        key = _construct(loader, file, key_node, path, problems)
        if not isinstance(key, str):
            key = str(key)
        if key in first_seen:
            line, col = _position(key_node)
            before = first_seen[key].start_mark.line + 1
            problems.append(
                Problem(
                    file,
                    line,
                    col,
                    format_path([*path, key]),
                    f"duplicate key {key!r} (first set on line {before}); keep only one of them",
                )
            )
            continue
        first_seen[key] = key_node
        mapping[key] = _construct(loader, file, value_node, [*path, key], problems)
    return mapping
