"""What the reading-list formats (Markdown, the HTML page) share: the tree walk, links and labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from ..model import Catalog, Collection, Person, Resource

UNFILED_TITLE = "Other resources"


def walk(catalog: Catalog) -> Iterator[tuple[Collection, int]]:
    """Every collection depth-first in catalog order with its depth, without recursion."""
    stack = [(root, 0) for root in reversed(catalog.roots)]
    while stack:
        collection, depth = stack.pop()
        yield collection, depth
        stack.extend((child, depth + 1) for child in reversed(catalog.children(collection)))


def unfiled(catalog: Catalog) -> tuple[Resource, ...]:
    """Resources that no collection of the catalog lists (possible in catalogs built in code)."""
    filed = {rid for c in catalog.collections for rid in c.resource_ids}
    return tuple(r for r in catalog.resources if r.id not in filed)


def one_line(text: str) -> str:
    """The text with every line break (CR, LF, U+2028, ...) turned into a space and the ends trimmed.

    >>> one_line(" a\\nb\\u2028c ")
    'a b c'
    """
    if not text.isprintable():
        text = " ".join(text.splitlines())
    return text.strip()


def type_label(resource_type: str) -> str:
    """A resource type for reading: 'conference-paper' -> 'conference paper'."""
    return resource_type.replace("-", " ")


def people_text(people: tuple[Person, ...]) -> str:
    """Names in reading order joined by commas: 'Ashish Vaswani, Noam Shazeer, Google'."""
    return ", ".join(one_line(p.display) for p in people)


def doi_url(doi: str) -> str:
    """The doi.org link of a DOI, with the characters a URL cannot carry percent-encoded.

    >>> doi_url('10.1000/a<b>&c"d%25')
    'https://doi.org/10.1000/a%3Cb%3E%26c%22d%2525'
    """
    return "https://doi.org/" + quote(doi, safe="/:;()")


def arxiv_url(arxiv: str) -> str:
    """The arXiv abstract page of an arXiv identifier."""
    return "https://arxiv.org/abs/" + quote(arxiv, safe="/")
