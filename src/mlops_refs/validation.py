"""Checks of catalog files: JSON Schema (fast path compiled, detailed path on failure) and identifiers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .bundled import schema_path
from .characters import MULTILINE_FIELDS, text_problem
from .errors import Problem
from .yamlio import YamlDocument

_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "nothing (null)",
}


@cache
def load_schema(path: Path | None = None) -> dict[str, Any]:
    """The catalog JSON Schema as a dict."""
    with open(path or schema_path(), encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _fast_validator() -> Callable[[Any], bool]:
    """``is_valid`` of the schema compiled by jsonschema-rs: the happy path, with no error details."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(load_schema()).is_valid


@cache
def _detailed_validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def schema_problems(doc: YamlDocument) -> list[Problem]:
    """Every schema violation in one file, each located and explained."""
    if _fast_validator()(doc.data):
        return []
    problems = []  # only now the slower validator that explains each error
    for error in _detailed_validator().iter_errors(doc.data):
        problems.extend(_explain(doc, error))
    return problems


def _explain(doc: YamlDocument, error: Any) -> list[Problem]:
    path = list(error.absolute_path)
    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
    value = error.instance
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        return [
            doc.problem(path, f"unknown field {k!r}; allowed fields are: {', '.join(allowed)}", key=k)
            for k in extra
        ]
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [doc.problem(path, f"missing required field {missing!r}; add it")]
    if kind == "enum":
        choices = ", ".join(map(str, error.validator_value))
        return [doc.problem(path, f"{value!r} is not allowed; use one of: {choices}")]
    if kind == "type":
        expected = (
            error.validator_value
            if isinstance(error.validator_value, str)
            else "/".join(error.validator_value)
        )
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        message = f"expected {expected}, got {got}"
        return [doc.problem(path, f"{message}: {value!r}" if not isinstance(value, dict | list) else message)]
    if kind == "uniqueItems":
        return [doc.problem(path, "lists the same value twice; keep each value once")]
    if kind == "minItems":
        return [doc.problem(path, "is empty; give at least one item or remove the field")]
    if kind == "minLength":
        return [doc.problem(path, "is empty; give a value or remove the field")]
    if kind == "maxLength":
        return [doc.problem(path, f"is longer than {error.validator_value} characters; shorten it")]
    if kind == "pattern" and path and path[-1] in {"url", "homepage"} and (why := url_problem(value)):
        return [doc.problem(path, f"{value!r} {why}")]
    if hint:
        return [doc.problem(path, f"{value!r} is not valid: {hint}")]
    return [doc.problem(path, error.message)]


def text_problems(doc: YamlDocument) -> list[Problem]:
    """Every text of one file that breaks the character rule, located; walks the data without recursion."""
    if doc.texts_keep_rule:  # checked as the file was read
        return []
    problems = []
    # Each container's entry keeps its parent's entry and its own key: a path is spelled out only for a
    # text at fault. Texts are checked where they stand; only containers go on the stack. Everything under
    # a prose field (description, summary, note) may hold line breaks.
    stack: list[tuple[Any, tuple[Any, ...] | None, str | int, bool]] = [(doc.data, None, "", False)]
    while stack:
        entry = stack.pop()
        container, _, _, multiline = entry
        is_mapping = isinstance(container, dict)
        for key, value in container.items() if is_mapping else enumerate(container):
            prose = multiline or (is_mapping and key in MULTILINE_FIELDS)
            if type(value) is str:
                if why := text_problem(value, prose):
                    problems.append(doc.problem([*_path_of(entry), key], why))
            elif isinstance(value, dict | list):
                stack.append((value, entry, key, prose))
    return problems


def _path_of(entry: tuple[Any, ...]) -> list[str | int]:
    """The keys and indexes from the root of the data down to ``entry`` of text_problems' walk."""
    path: list[str | int] = []
    while entry[1] is not None:
        path.append(entry[2])
        entry = entry[1]
    return path[::-1]


_ISBN_CLEAN = re.compile(r"[\s-]")


def isbn_is_valid(isbn: str) -> bool:
    """True when an ISBN-10 or ISBN-13 has a correct check digit.

    >>> isbn_is_valid("978-3-16-148410-0"), isbn_is_valid("0-306-40615-2"), isbn_is_valid("0-306-40615-3")
    (True, True, False)
    """
    digits = _ISBN_CLEAN.sub("", isbn).upper()
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


# An http(s) URL with a plain host name, no user, no port, and only characters a URL may hold as they are.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!#$%&'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]*)?\Z")
_NOT_IN_URLS = re.compile(r'[\x00-\x20\x7f-\U0010ffff"<>\\^`{|}]')


def url_problem(url: str) -> str | None:
    """Why a URL is unsafe or malformed for a browser or a reference manager, or None when it is fine."""
    if _PLAIN_URL.match(url):  # the common case, which every check of _checked_url_problem passes
        return None
    return _checked_url_problem(url)


def _checked_url_problem(url: str) -> str | None:
    """url_problem's answer, found by taking the URL apart."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018  (raises on a malformed IPv6 host)
    except ValueError as exc:
        return f"cannot be parsed as a URL ({exc})"
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number from 0 to 65535)
    except ValueError:
        port = parts.netloc.rpartition(":")[2]
        return f"has the port {port!r}; a port is a number from 1 to 65535"
    if parts.scheme.lower() not in {"http", "https"}:
        return f"uses the {parts.scheme or 'missing'}: scheme; only http:// and https:// URLs are allowed"
    if parts.port == 0:
        return "has the port '0'; a port is a number from 1 to 65535"
    if "@" in parts.netloc:
        return (
            f"has a user name or password before '@' (it would open {parts.hostname or 'no host'}); "
            "remove everything from '//' to '@'"
        )
    if _NOT_IN_URLS.search(url):
        bad = sorted(set(_NOT_IN_URLS.findall(url)))
        shown = " ".join(repr(c) for c in bad)
        host = parts.hostname or ""
        if not host.isascii():
            return f"has the host name {host!r}, which is not ASCII; {_idna_hint(host)}"
        hint = "percent-encode them (space is %20, ü is %C3%BC)"
        return f"contains {shown}, which a URL may not hold as is; {hint}"
    if not parts.hostname:
        return "has no host name; write a full URL such as https://example.org/page"
    return None


def _idna_hint(host: str) -> str:
    """How to write a non-ASCII host name: its IDNA (xn--) form, computed when the name allows it."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "write the host name in its IDNA form (labels starting with xn--)"
    return f"write the host name in its IDNA form: {ascii_host}"
