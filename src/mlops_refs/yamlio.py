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
# How a plain scalar's tag is decided, by its first character: PyYAML's YAML 1.1 table, dates left as text.
IMPLICIT_RESOLVERS = _Loader.yaml_implicit_resolvers

_SCALARS = {
    "tag:yaml.org,2002:str": lambda loader, node: node.value,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
}

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
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
    texts_keep_rule: bool = field(default=False, repr=False, compare=False)
    """True when every text of ``data`` is known to keep the character rule (the quick read checks them)."""

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


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|<<")


def format_path(path: Sequence[PathPart]) -> str:
    """JSON-path-like text for a location: ``resources[3].authors[0].family``; other keys quoted, on one line.

    >>> format_path(["resources", 3, "authors", 0, "family"]), format_path(["catalog", "a\\nb"])
    ('resources[3].authors[0].family', "catalog['a\\\\nb']")
    """
    out = ""
    for part in path:
        if isinstance(part, int) or not _PLAIN_KEY.fullmatch(part):
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
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
    """Parse one YAML document; syntax errors, duplicate keys, anchors and aliases come back as problems.

    The data is built from the parser's events with an explicit stack: no alias is ever expanded (the first
    anchor or alias stops the reading), and no nesting depth can exhaust Python's recursion limit.
    Without ``keep_text`` the document reads ``file`` again to locate a problem found later, instead of
    holding the text in memory.
    """
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        data = _build(loader, file, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return YamlDocument(file, None, text), [
            Problem(file, line, col, "", f"YAML syntax error: {what}; fix the indentation or quoting there")
        ]
    except yaml.YAMLError as exc:
        return YamlDocument(file, None, text), [Problem(file, 1, 1, "", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    if problems:
        return YamlDocument(file, None, text), problems
    return YamlDocument(file, data, text if keep_text else None), problems


#: Deepest nesting read: a catalog needs six levels (file > resources > resource > extra > item > value);
#: deeper data would only exhaust the recursion of what validates it later.
MAX_DEPTH = 64


class _Frame:
    """A mapping or sequence being filled while the parser's events arrive."""

    __slots__ = ("first_seen", "key", "path", "value")

    def __init__(self, value: dict[str, Any] | list[Any], path: list[PathPart]) -> None:
        self.value = value
        self.path = path
        self.key: tuple[str, yaml.Mark] | None = None  # a mapping's key waiting for its value
        self.first_seen: dict[str, yaml.Mark] = {}

    def child_path(self) -> list[PathPart]:
        """The path of the value that comes next."""
        if isinstance(self.value, list):
            return [*self.path, len(self.value)]
        return self.path if self.key is None else [*self.path, self.key[0]]


def _build(loader: Any, file: str, problems: list[Problem]) -> Any:
    """The first document's plain data, built event by event; None for an empty stream."""
    stack: list[_Frame] = []
    result: list[Any] = []
    while True:
        event = loader.get_event()
        if isinstance(event, yaml.DocumentEndEvent | yaml.StreamEndEvent):
            if isinstance(event, yaml.DocumentEndEvent):
                _refuse_more_documents(loader)
            return result[0] if result else None
        if isinstance(event, yaml.StreamStartEvent | yaml.DocumentStartEvent):
            continue
        path = stack[-1].child_path() if stack else []
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            what = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            problems.append(_problem(file, event.start_mark, path, _anchor_message(what + event.anchor)))
            return None  # stop here: nothing after an anchor is read, so nothing can be expanded
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(loader, file, event, path, problems)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            is_sequence = isinstance(event, yaml.SequenceStartEvent)
            node_class = yaml.SequenceNode if is_sequence else yaml.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(node_class, None, event.implicit)
            if tag not in _COLLECTION_TAGS:
                problems.append(_problem(file, event.start_mark, path, f"unsupported YAML tag {tag}"))
            if len(stack) >= MAX_DEPTH:
                message = f"nested deeper than the maximum nesting depth of {MAX_DEPTH}; a catalog needs six"
                problems.append(_problem(file, event.start_mark, path, message))
                return None  # stop here: nothing deeper is read
            stack.append(_Frame([] if is_sequence else {}, path))
            continue
        else:  # SequenceEndEvent or MappingEndEvent
            value = stack.pop().value
        if not stack:
            result.append(value)
        else:
            _add(stack[-1], file, event, value, problems)


def _add(frame: _Frame, file: str, event: Any, value: Any, problems: list[Problem]) -> None:
    """Put a finished value into its sequence, or into its mapping as a key or as a value."""
    if isinstance(frame.value, list):
        frame.value.append(value)
    elif frame.key is None:
        key = value if isinstance(value, str) else str(value)
        frame.key = (key, event.start_mark)
    else:
        key, mark = frame.key
        frame.key = None
        if key in frame.first_seen:
            before = frame.first_seen[key].line + 1
            message = f"duplicate key {key!r} (first set on line {before}); keep only one of them"
            problems.append(_problem(file, mark, [*frame.path, key], message))
        else:
            frame.first_seen[key] = mark
            frame.value[key] = value


def _scalar(loader: Any, file: str, event: Any, path: list[PathPart], problems: list[Problem]) -> Any:
    """A scalar's value, built by its (possibly implicit) tag."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == "tag:yaml.org,2002:merge":
        problems.append(_problem(file, event.start_mark, path, "merge keys (<<) are not supported"))
        return event.value
    build = _SCALARS.get(tag)
    if build is None:
        problems.append(_problem(file, event.start_mark, path, f"unsupported YAML tag {tag}"))
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return build(_CONSTRUCTOR, node)


def _refuse_more_documents(loader: Any) -> None:
    """Raise a located error when a second document follows the first, as PyYAML's loaders do."""
    event = loader.get_event()
    if not isinstance(event, yaml.StreamEndEvent):
        raise yaml.composer.ComposerError(
            "expected a single document in the stream", None, "but found another document", event.start_mark
        )


def _anchor_message(what: str) -> str:
    return f"YAML {what} found; a catalog uses no anchors or aliases: write each value out in full"


def _problem(file: str, mark: yaml.Mark, path: list[PathPart], message: str) -> Problem:
    return Problem(file, mark.line + 1, mark.column + 1, format_path(path), message)
