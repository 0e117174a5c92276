"""What each format keeps for some records and not others: the fields, and how a type reads back.

Each rule says which records lose or change a field once written in the format and read back; a test runs
every type, with and without each field a rule looks at, through the writer and the reader, and holds the
rules to what they do. A rule without a test of its own (``loses`` None) depends on the value itself (an
extra field's name): every record that holds the field gets a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .crosswalk import format_type

if TYPE_CHECKING:
    from .model import Resource


@dataclass(frozen=True)
class Partly:
    """A field a format keeps for some records only: when it does not, and which records lose or change it
    (None: it depends on the value itself)."""

    why: str
    loses: Callable[[Resource], bool] | None = None


_REPORTS = frozenset({"report", "thesis"})  # the types whose publisher field holds the institution
_ONE_NAME = "one name for both: a report's or thesis's institution, anything else's publisher"
_ORGANISATION = "one organisation, the institution before the publisher, read back as a report's or thesis's"
_LINE_BREAKS = "a line break in it reads back as a space"
_SUMMARY = Partly("written as the abstract, and read back as one", lambda r: True)
_SUMMARY_FIRST = Partly(
    "a record's summary is written as the abstract, in place of its own", lambda r: bool(r.summary)
)
_BIB_EXTRA = Partly("an entry keeps those named as a BibTeX field may be, lower-cased")


def _multiline(name: str) -> Callable[[Resource], bool]:
    return lambda r: "\n" in (getattr(r, name) or "")


def _ris(r: Resource) -> str:
    return format_type(r.type, "ris")


def _zotero(r: Resource) -> str:
    return format_type(r.type, "zotero")


def _ris_container_lost(r: Resource) -> bool:
    kind = _ris(r)
    if kind == "DATA":  # PB holds the repository, or the publisher
        return True
    if kind == "COMP":  # PB holds the company, else the platform
        return not (r.publisher or r.institution)
    return kind == "MANSCPT" and bool(r.arxiv) and r.container != "arXiv"  # an arXiv preprint's is arXiv


def _zotero_container_lost(r: Resource) -> bool:
    from .exporters.zotero_rdf import NODE_SHAPES

    kind, organisation = _zotero(r), bool(r.publisher or r.institution)
    if NODE_SHAPES[kind][1] is not None or kind == "videoRecording":  # a container, or a library catalog
        return False
    if kind == "computerProgram":  # a company's program keeps its platform as the system
        return not organisation
    if kind == "preprint":  # the repository, read back as the container, unless an organisation takes it
        return organisation
    return True


#: Per format, the fields it keeps for some records only.
PARTLY: dict[str, dict[str, Partly]] = {
    "bibtex": {
        "container": Partly(
            "an arXiv preprint's howpublished says 'arXiv preprint arXiv:<id>'",
            lambda r: r.type == "preprint" and bool(r.arxiv),
        ),
        "publisher": Partly(
            "a report is a @techreport: an institution, no publisher", lambda r: r.type == "report"
        ),
        "abstract": _SUMMARY_FIRST,
        "summary": _SUMMARY,
        "extra": _BIB_EXTRA,
    },
    "biblatex": {"abstract": _SUMMARY_FIRST, "summary": _SUMMARY, "extra": _BIB_EXTRA},
    "csl-json": {
        "institution": Partly(_ONE_NAME, lambda r: r.type not in _REPORTS),
        "publisher": Partly(
            f"{_ONE_NAME}; a preprint's, without a container, reads back as the container",
            lambda r: r.type in _REPORTS or (r.type == "preprint" and not r.container),
        ),
    },
    "ris": {
        "institution": Partly(f"PB holds {_ONE_NAME}", lambda r: r.type not in _REPORTS),
        "publisher": Partly(f"PB holds {_ONE_NAME}", lambda r: r.type in _REPORTS),
        "container": Partly(
            "PB holds a data set's, and a program's without a publisher; an arXiv preprint's is arXiv",
            _ris_container_lost,
        ),
        "language": Partly(
            "not written for a program: Zotero reads LA there as its programming language",
            lambda r: _ris(r) == "COMP",
        ),
        "abstract": Partly(_LINE_BREAKS, _multiline("abstract")),
        "note": Partly(_LINE_BREAKS, _multiline("note")),
        "extra": Partly("a record keeps those named by a tag of its own, two capitals"),
    },
    "zotero-rdf": {
        "summary": Partly(
            "written as the abstract of a record that has none, and read back as one", lambda r: True
        ),
        "publisher": Partly(
            f"{_ORGANISATION} institution, a preprint's container, anything else's publisher",
            lambda r: bool(r.institution) or r.type in _REPORTS or r.type == "preprint",
        ),
        "institution": Partly(
            f"{_ORGANISATION} institution, anything else's publisher", lambda r: r.type not in _REPORTS
        ),
        "container": Partly(
            "an item type with no container (a report, data set, program...) has it as its publisher",
            _zotero_container_lost,
        ),
        "language": Partly("Zotero has no language for a program", lambda r: _zotero(r) == "computerProgram"),
        "extra": Partly("Zotero's Extra keeps one-line values, as 'name: value' lines"),
    },
    "netscape": {
        "extra": Partly("a bookmark keeps only its own attributes, such as LAST_MODIFIED and TOREAD")
    },
    "opml": {"extra": Partly("an outline keeps only its type and a feed's own URL, xmlUrl")},
}

#: Per format with types: whether a record with an arXiv id, written as the format's type ``written``, reads
#: back as a preprint (as each reader decides).
ARXIV_PREPRINT: dict[str, Callable[[Resource, str], bool]] = {
    "bibtex": lambda r, written: written == "misc",
    "biblatex": lambda r, written: written == "misc" or (written == "online" and r.type == "preprint"),
    "ris": lambda r, written: written == "MANSCPT",
    "csl-json": lambda r, written: r.type == "preprint",
    "zotero-rdf": lambda r, written: r.type == "preprint",
}

#: Per format, the catalog's own fields (its title, description, maintainers...) it keeps; a format not named
#: keeps none of them, the catalog YAML keeps every one.
CATALOG_FIELDS_KEPT: dict[str, frozenset[str]] = {
    "netscape": frozenset({"title"}),
    "opml": frozenset({"title", "updated", "maintainers"}),
    "yaml": frozenset({"title", "description", "version", "license", "updated", "homepage", "maintainers"}),
}
