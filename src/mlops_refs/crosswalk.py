"""One table: each catalog resource type and the type that stands for it in every format, both directions.

Writers look up ``format_type(our_type, fmt)``; readers look up ``catalog_type(fmt, their_type)``. Several of
our types can share one format type (a web page, its documentation and a course page are all ``webpage`` in
Zotero); reading back gives the first of them in table order, unless ``READ_AS`` names the general case
(``@misc`` is a document, ``MANSCPT`` a manuscript).

The choices follow what each format's main consumer does with the type on import (Zotero's translators
BibTeX.js, RIS.js and CSL JSON.js; biblatex's standard styles; citeproc):

- bibtex: the 14 standard types only; anything classic styles cannot print as it is becomes ``misc``.
- biblatex: types with a driver in the standard styles (others, such as ``@video``, ``@audio``, ``@letter``,
  make biblatex warn); ``online`` for web content, videos and data sets (Zotero's importer drops
  ``@dataset``); ``software`` for programs and hosted services.
- ris: ``MANSCPT`` for preprints (Zotero has no RIS code for its preprint type and reads unknown codes such
  as ``UNPB`` as journal articles; a manuscript is the nearest true type).
- zotero: a hosted service is a computer program, in every format (CSL ``software``, RIS ``COMP``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Format = Literal["bibtex", "biblatex", "csl", "ris", "zotero"]
FORMATS: tuple[Format, ...] = ("bibtex", "biblatex", "csl", "ris", "zotero")


@dataclass(frozen=True, slots=True)
class FormatTypes:
    """What one of our types is called in each format."""

    bibtex: str
    biblatex: str
    csl: str
    ris: str
    zotero: str


def _row(bibtex: str, biblatex: str, csl: str, ris: str, zotero: str) -> FormatTypes:
    return FormatTypes(bibtex, biblatex, csl, ris, zotero)


# Our type -> its type in each format (bibtex, biblatex, csl, ris, zotero). Reading back, the first row
# holding a format's type wins, unless READ_AS names the type to read it as.
TYPES: MappingProxyType[str, FormatTypes] = MappingProxyType(
    {
        "journal-article": _row("article", "article", "article-journal", "JOUR", "journalArticle"),
        "conference-paper": _row(
            "inproceedings", "inproceedings", "paper-conference", "CONF", "conferencePaper"
        ),
        "preprint": _row("misc", "online", "article", "MANSCPT", "preprint"),
        "report": _row("techreport", "report", "report", "RPRT", "report"),
        "book": _row("book", "book", "book", "BOOK", "book"),
        "chapter": _row("incollection", "incollection", "chapter", "CHAP", "bookSection"),
        "thesis": _row("phdthesis", "thesis", "thesis", "THES", "thesis"),
        "software": _row("misc", "software", "software", "COMP", "computerProgram"),
        "service": _row("misc", "software", "software", "COMP", "computerProgram"),
        "webpage": _row("misc", "online", "webpage", "ELEC", "webpage"),
        "documentation": _row("misc", "online", "webpage", "ELEC", "webpage"),
        "course": _row("misc", "online", "webpage", "ELEC", "webpage"),
        "blog-post": _row("misc", "online", "post-weblog", "BLOG", "blogPost"),
        "news-article": _row("misc", "online", "article-newspaper", "NEWS", "newspaperArticle"),
        "video": _row("misc", "online", "motion_picture", "VIDEO", "videoRecording"),
        "dataset": _row("misc", "online", "dataset", "DATA", "dataset"),
        "magazine-article": _row("article", "article", "article-magazine", "MGZN", "magazineArticle"),
        "encyclopedia-entry": _row(
            "incollection", "inreference", "entry-encyclopedia", "ENCYC", "encyclopediaArticle"
        ),
        "proceedings": _row("proceedings", "proceedings", "book", "BOOK", "book"),
        "manuscript": _row("unpublished", "unpublished", "manuscript", "MANSCPT", "manuscript"),
        "presentation": _row("misc", "misc", "speech", "SLIDE", "presentation"),
        "patent": _row("misc", "patent", "patent", "PAT", "patent"),
        "standard": _row("misc", "misc", "standard", "STAND", "standard"),
        "legal": _row("misc", "misc", "legal_case", "CASE", "case"),
        "audio": _row("misc", "misc", "song", "SOUND", "audioRecording"),
        "image": _row("misc", "misc", "graphic", "ART", "artwork"),
        "map": _row("misc", "misc", "map", "MAP", "map"),
        "interview": _row("misc", "misc", "interview", "PCOMM", "interview"),
        "letter": _row("misc", "misc", "personal_communication", "PCOMM", "letter"),
        "document": _row("misc", "misc", "document", "GEN", "document"),
    }
)

# Format types that several of our types share and whose first row is not the general case.
READ_AS: MappingProxyType[tuple[Format, str], str] = MappingProxyType(
    {
        ("bibtex", "misc"): "document",
        ("biblatex", "misc"): "document",
        ("biblatex", "online"): "webpage",
        ("ris", "MANSCPT"): "manuscript",  # an arXiv preprint among them names arXiv in DB
        ("ris", "PCOMM"): "letter",
    }
)

_REVERSE: dict[Format, dict[str, str]] = {fmt: {} for fmt in FORMATS}
for (_fmt, _theirs), _ours in READ_AS.items():
    _REVERSE[_fmt][_theirs.lower()] = _ours
for _ours, _row_types in TYPES.items():
    for _fmt in FORMATS:
        _REVERSE[_fmt].setdefault(getattr(_row_types, _fmt).lower(), _ours)


def format_type(resource_type: str, fmt: Format) -> str:
    """The type a format gives one of our resource types, e.g. ``format_type("video", "ris") == "VIDEO"``."""
    return str(getattr(TYPES[resource_type], fmt))


#: The crosswalk column of each registered format that names types.
COLUMN_OF: dict[str, Format] = {
    "bibtex": "bibtex",
    "biblatex": "biblatex",
    "csl-json": "csl",
    "ris": "ris",
    "zotero-rdf": "zotero",
}


def same_in_format(type_a: str, type_b: str, format_name: str) -> bool:
    """True when a registered format writes both of our types alike, so it cannot tell them apart.

    >>> same_in_format("documentation", "webpage", "ris"), same_in_format("video", "webpage", "ris")
    (True, False)
    """
    column = COLUMN_OF.get(format_name)
    if column is None or type_a not in TYPES or type_b not in TYPES:
        return False
    return format_type(type_a, column).lower() == format_type(type_b, column).lower()


def catalog_type(fmt: Format, their_type: str) -> str | None:
    """Our type for a format's type (case-insensitive), the most general on ties; None when unknown.

    >>> catalog_type("zotero", "webpage"), catalog_type("bibtex", "MISC"), catalog_type("ris", "UNPB")
    ('webpage', 'document', None)
    """
    return _REVERSE[fmt].get(their_type.lower())
