"""BibTeX (classic bibtex + pdflatex, Zotero, JabRef) and BibLaTeX (biber) exporters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, ClassVar

from ..crosswalk import format_type
from ..errors import ExportError
from ..memo import per_catalog, shared
from ..text.latex import escape, protect_title
from . import BaseExporter, Options

if TYPE_CHECKING:
    from ..model import Catalog, Person, Resource

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
VERBATIM = {"url", "doi", "eprint"}
JABREF_QUOTE = re.compile(r"[\\;]")
BRACES = re.compile(r"[{}]")  # escaped too, so that the @Comment's braces stay balanced
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:+-]{0,63}")  # what bibtex and biber read as a field name

# Fields plain.bst requires; without them the entry falls back to @misc rather than warn or print gaps.
BIBTEX_REQUIRED = {
    "article": ("author", "journal", "year"),
    "inproceedings": ("author", "booktitle", "year"),
    "techreport": ("author", "institution", "year"),
    "book": ("publisher", "year"),
    "incollection": ("author", "booktitle", "publisher", "year"),
    "phdthesis": ("author", "school", "year"),
    "proceedings": ("year",),
    "unpublished": ("author", "note"),
}
# Where each entry type's container goes. biblatex prints an @online's site as organization, while Zotero's
# importer reads a web page's site (and a blog's title) only from journaltitle: both are written.
BIBLATEX_CONTAINER: dict[str, tuple[str, ...]] = {
    "article": ("journaltitle",),
    "inproceedings": ("booktitle",),
    "incollection": ("booktitle",),
    "online": ("organization", "journaltitle"),
}
_BATCH = 1000  # entries per write
LANGIDS = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ja": "japanese",
    "zh": "chinese",
    "ru": "russian",
}


@dataclass(frozen=True)
class BibTeXOptions(Options):
    encoding: str = field(
        default="ascii",
        metadata={
            "choices": ("ascii", "utf-8"),
            "help": "ascii: non-ASCII as LaTeX commands (classic bibtex + pdflatex); utf-8: keep UTF-8",
        },
    )
    protect_capitals: bool = field(
        default=True,
        metadata={
            "help": "brace words with capitals so sentence-casing styles keep them (BERT, TensorFlow)",
        },
    )
    groups: bool = field(
        default=False,
        metadata={
            "help": "write the collection tree as JabRef groups (groups fields, a jabref-meta comment)",
        },
    )


@dataclass(frozen=True)
class BibLaTeXOptions(Options):
    protect_capitals: bool = field(
        default=True,
        metadata={
            "help": "brace words with capitals so styles that sentence-case keep them",
        },
    )
    groups: bool = field(
        default=False,
        metadata={
            "help": "write the collection tree as JabRef groups (groups fields, a jabref-meta comment)",
        },
    )


_WORD_AND = re.compile(r"\band\b", re.IGNORECASE)  # bibtex splits a name list at "and" in any case


def _name_part(text: str, ascii_only: bool, brace_spaces: bool = False) -> str:
    """An escaped name part, braced where bibtex would otherwise split it: at a comma or the word "and"."""
    part = escape(text, ascii_only)
    if "," in part or _WORD_AND.search(part) or (brace_spaces and " " in part):
        return "{" + part + "}"
    return part


@shared  # a function of the (immutable) person; authors recur across entries
def _name(person: Person, ascii_only: bool) -> str:
    if person.is_organisation:
        return "{" + escape(person.literal or "", ascii_only) + "}"
    family = _name_part(person.family or "", ascii_only, brace_spaces=True)
    last = f"{_name_part(person.particle, ascii_only)} {family}" if person.particle else family
    parts = [last]
    if person.suffix:
        parts.append(_name_part(person.suffix, ascii_only))
    if person.given:
        parts.append(_name_part(person.given, ascii_only))
    elif person.suffix or person.particle:  # "von Last, " keeps a capitalised particle out of First
        parts.append("")
    return ", ".join(parts)


def names(people: tuple[Person, ...], ascii_only: bool) -> str:
    """A BibTeX name list: 'von Last, Jr, First and ...', organisations braced."""
    return " and ".join([_name(p, ascii_only) for p in people])


def comment(text: str, ascii_only: bool) -> str:
    r"""Text for a comment line that cannot start anything: one line, and no "@".

    bibtex and biber start an entry at any "@", even inside a comment line.

    >>> comment("Refs\n@preamble{x}", ascii_only=True)
    'Refs (at)preamble\\{\\vphantom{\\}}x\\vphantom{\\{}\\}'
    """
    one_line = "".join(char if char.isprintable() else " " for char in text)  # unprintable: line breaks too
    return " ".join(escape(one_line, ascii_only).split()).replace("@", "(at)")


def _pages(pages: str) -> str:
    return pages.replace("–", "--").replace("-", "--").replace("----", "--")


#: What JabRef groups carry of the tree: each folder's title and place, and each entry's folders.
GROUPS_CARRY = frozenset({"collection_ids", "collection.title", "collection.parent_id"})


def jabref_groups(catalog: Catalog) -> str:
    """The collection tree as JabRef's ``jabref-meta: grouping:`` comment (static groups, order kept)."""
    lines = ["0 AllEntriesGroup:;"]
    for collection, depth in catalog.walk():
        # quoted twice as JabRef does: the name within the group's fields, then the group within the line
        name = JABREF_QUOTE.sub(r"\\\g<0>", collection.title)
        group = JABREF_QUOTE.sub(r"\\\g<0>", f"StaticGroup:{name};0;1;;;;")
        group = BRACES.sub(r"\\\g<0>", group)
        lines.append(f"{depth + 1} {group};")
    return "\n@Comment{jabref-meta: grouping:\n" + "\n".join(lines) + "\n}\n"


def _entry(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    width = max([len(name) for name, _ in fields])
    lines = "".join([f"  {name.ljust(width)} = {value},\n" for name, value in fields])
    return f"@{entry_type}{{{key},\n{lines}}}\n"


class _BibBase(BaseExporter):
    """Shared writer: one entry per resource, fields in a fixed order, values braced."""

    ascii_only: bool = False
    place_field: ClassVar[str] = "address"
    # The two .bib exports of a run escape the same texts, and the HTML page embeds the bibtex entries: worth
    # building in one process (see worker.py).
    shared_work: ClassVar[str] = "latex"
    embedded: ClassVar[bool] = False  # True where another export of a run embeds these entries

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write every resource as one entry, in catalog order."""
        title = comment(catalog.info.title, self.ascii_only)
        stream.write(f"% {title}: {len(catalog.resources)} entries, written by mlops-refs.\n")
        stream.write("% Encoding: " + ("ASCII (LaTeX escapes)" if self.ascii_only else "UTF-8") + "\n")
        titles = {c.id: c.title for c in catalog.collections} if self.options.groups else {}
        if not titles and self.embedded:  # the entries another export of the run embeds
            try:
                texts = self.entry_texts(catalog)
            except ExportError:
                texts = None  # the loop below writes up to the resource at fault and names it
            if texts is not None:
                for start in range(0, len(texts), _BATCH):  # never the whole file as one string
                    stream.write("".join(["\n" + text for text in texts[start : start + _BATCH]]))
                return
        for resource in catalog.resources:
            try:
                if titles and resource.collection_ids:
                    entry_type, fields = self.entry(resource)
                    groups = ", ".join(titles[c] for c in resource.collection_ids)
                    fields.append(("groups", self.text(groups)))
                    stream.write("\n" + _entry(entry_type, resource.id, fields))
                else:
                    stream.write("\n" + self.entry_text(resource))
            except ExportError as error:
                raise ExportError(f"{self.name}: resource {resource.id}: {error}") from None
        if titles:
            stream.write(jabref_groups(catalog))

    def carries(self) -> frozenset[str]:
        """What this writer carries that its reader's ``lost_fields`` declares lost: with groups, the tree."""
        return GROUPS_CARRY if self.options.groups else frozenset()

    def entry(self, r: Resource) -> tuple[str, list[tuple[str, str]]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def entry_texts(self, catalog: Catalog) -> tuple[str, ...]:
        """Every resource's ``entry_text``, in catalog order, built once per catalog and options."""
        key = ("entry_texts", type(self), self.options)
        return per_catalog(catalog, key, lambda: tuple([self.entry_text(r) for r in catalog.resources]))

    def entry_text(self, r: Resource) -> str:
        """One resource's entry exactly as ``write`` writes it, ending in a line feed."""
        entry_type, fields = self.entry(r)
        return _entry(entry_type, r.id, fields)

    def text(self, value: str) -> str:
        """A braced, escaped literal value."""
        return "{" + escape(value, self.ascii_only) + "}"

    def title(self, value: str) -> str:
        """A braced title, capitals protected when the option says so."""
        if self.options.protect_capitals:
            return "{" + protect_title(value, self.ascii_only) + "}"
        return self.text(value)

    def common(self, r: Resource) -> Iterator[tuple[str, str]]:
        """Identifier, link, tag and note fields every entry type shares, verbatim where biber wants it."""
        if r.aliases:  # other keys of this entry: biblatex resolves them, bibtex and pybtex pass them by
            yield "ids", "{" + ", ".join(r.aliases) + "}"
        if r.isbn:
            yield "isbn", self.text(r.isbn)
        if r.doi:
            yield "doi", "{" + r.doi + "}"
        if r.url:
            yield "url", "{" + r.url + "}"
        if r.tags:
            yield "keywords", self.text(", ".join(r.tags))
        if r.summary:
            yield "abstract", self.text(r.summary)
        if r.note:
            yield "note", self.text(r.note)

    def imported(self, r: Resource, written: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Fields that records read from other files carry (translators, ISSN, place, ``extra``...)."""
        out: list[tuple[str, str]] = []
        if r.translators:
            out.append(("translator", "{" + names(r.translators, self.ascii_only) + "}"))
        for name, value in (
            ("issn", r.issn),
            ("pmid", r.pmid),
            ("pmcid", r.pmcid),
            ("edition", r.edition),
            ("series", r.series),
            ("chapter", r.chapter),
            (self.place_field, r.place),
            ("abstract", None if r.summary else r.abstract),
        ):
            if value:
                out.append((name, self.text(value)))
        if r.original_date and self.place_field == "location":
            out.append(("origdate", "{" + r.original_date.iso() + "}"))
        taken = {name for name, _ in written} | {name for name, _ in out}
        for name, value in r.extra:
            if FIELD_NAME.fullmatch(name) and name.lower() not in taken:
                taken.add(name.lower())
                out.append((name.lower(), self.text(value)))
        return out


class BibTeXExporter(_BibBase):
    name: ClassVar[str] = "bibtex"
    aliases: ClassVar[tuple[str, ...]] = ("bib",)
    extension: ClassVar[str] = ".bib"
    media_type: ClassVar[str] = "application/x-bibtex"
    description: ClassVar[str] = (
        "Classic BibTeX for bibtex + pdflatex, Zotero and JabRef (ASCII with LaTeX escapes)."
    )
    default_filename: ClassVar[str] = "mlops-refs.bib"
    embedded: ClassVar[bool] = True  # entry_texts, which the HTML page embeds too
    Options = BibTeXOptions

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.ascii_only = self.options.encoding == "ascii"

    def written_type(self, r: Resource) -> str:
        """The entry type ``entry`` gives a resource: @misc where a field plain.bst requires is missing."""
        entry_type = format_type(r.type, "bibtex")
        return self.entry(r)[0] if entry_type in BIBTEX_REQUIRED else entry_type

    def entry(self, r: Resource) -> tuple[str, list[tuple[str, str]]]:
        """The entry type and fields of one resource."""
        entry_type = format_type(r.type, "bibtex")
        container_field = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
        fields: list[tuple[str, str]] = []
        if r.authors:
            fields.append(("author", "{" + names(r.authors, self.ascii_only) + "}"))
        if r.editors:
            fields.append(("editor", "{" + names(r.editors, self.ascii_only) + "}"))
        if not r.authors and not r.editors:
            fields.append(("key", self.text(r.title[:40])))  # what plain.bst sorts and labels by
        fields.append(("title", self.title(r.title)))
        if r.container and entry_type in container_field:
            fields.append((container_field[entry_type], self.text(r.container)))
        institution = r.institution or (r.publisher if entry_type == "techreport" else None)
        if entry_type == "techreport" and institution is None:
            institution = next((a.literal for a in r.authors if a.is_organisation), None)
        if institution:
            fields.append(("school" if entry_type == "phdthesis" else "institution", self.text(institution)))
        if r.publisher and entry_type != "techreport":
            fields.append(("publisher", self.text(r.publisher)))
        if r.volume:
            fields.append(("volume", self.text(r.volume)))
        number = r.issue if entry_type == "article" else r.number
        if number:
            fields.append(("number", self.text(number)))
        if r.pages:
            fields.append(("pages", "{" + _pages(escape(r.pages, self.ascii_only)) + "}"))
        if r.issued:
            fields.append(("year", "{" + str(r.issued.year) + "}"))
            if r.issued.month:
                fields.append(("month", MONTHS[r.issued.month - 1]))
                fields.append(("date", "{" + r.issued.iso() + "}"))  # bibtex ignores it; Zotero reads the day
        required = BIBTEX_REQUIRED.get(entry_type, ())
        present = {name for name, _ in fields}
        if "author" in required and "editor" in present and entry_type == "book":
            present.add("author")
        if any(name not in present for name in required):
            entry_type = "misc"
            if r.container:
                fields.append(("howpublished", self.text(r.container)))
        if r.arxiv:
            # archivePrefix/primaryClass for arXiv's styles, eprinttype for Zotero, which reads only that
            fields += [("eprint", "{" + r.arxiv + "}"), ("archivePrefix", "{arXiv}")]
            fields.append(("eprinttype", "{arxiv}"))
            if r.arxiv_class:
                fields.append(("primaryClass", "{" + r.arxiv_class + "}"))
        if entry_type == "misc" and not any(name == "howpublished" for name, _ in fields):
            # What @misc prints and Zotero keeps (as "Published: ..." in Extra): the site, blog or platform,
            # else the link (Zotero reads a \url here as the URL).
            how = f"arXiv preprint arXiv:{r.arxiv}" if r.type == "preprint" and r.arxiv else r.container
            if how or r.link:
                fields.append(("howpublished", self.text(how) if how else "{\\url{" + str(r.link) + "}}"))
        fields += list(self.common(r))
        if r.accessed:
            fields.append(("urldate", "{" + r.accessed.iso() + "}"))
        if r.language:
            fields.append(("language", self.text(r.language)))
        return entry_type, fields + self.imported(r, fields)


class BibLaTeXExporter(_BibBase):
    name: ClassVar[str] = "biblatex"
    aliases: ClassVar[tuple[str, ...]] = ("biber",)
    extension: ClassVar[str] = ".bib"
    media_type: ClassVar[str] = "application/x-bibtex"
    description: ClassVar[str] = (
        "BibLaTeX for biber: UTF-8, @online/@software/@report, ISO dates, arXiv eprints."
    )
    default_filename: ClassVar[str] = "mlops-refs.biblatex.bib"
    place_field: ClassVar[str] = "location"
    Options = BibLaTeXOptions

    def entry(self, r: Resource) -> tuple[str, list[tuple[str, str]]]:
        """The entry type and fields of one resource."""
        entry_type = format_type(r.type, "biblatex")
        fields: list[tuple[str, str]] = []
        if r.authors:
            fields.append(("author", "{" + names(r.authors, False) + "}"))
        if r.editors:
            fields.append(("editor", "{" + names(r.editors, False) + "}"))
        fields.append(("title", self.title(r.title)))
        if r.container:
            container = self.text(r.container)
            fields += [(name, container) for name in BIBLATEX_CONTAINER.get(entry_type, ("howpublished",))]
        if entry_type == "report":
            fields.append(("type", "{techreport}"))
        if entry_type == "thesis":
            fields.append(("type", "{phdthesis}"))
        if r.institution:
            fields.append(("institution", self.text(r.institution)))
        if r.publisher:
            fields.append(("publisher", self.text(r.publisher)))
        for name, value in (("volume", r.volume), ("number", r.issue or r.number)):
            if value:
                fields.append((name, self.text(value)))
        if r.pages:
            fields.append(("pages", "{" + _pages(escape(r.pages, self.ascii_only)) + "}"))
        if r.issued:
            fields.append(("date", "{" + r.issued.iso() + "}"))
        if r.arxiv:
            fields += [("eprint", "{" + r.arxiv + "}"), ("eprinttype", "{arxiv}")]
            if r.arxiv_class:
                fields.append(("eprintclass", "{" + r.arxiv_class + "}"))
            if r.type == "preprint":
                fields.append(("pubstate", "{prepublished}"))
        fields += list(self.common(r))
        if r.accessed:
            fields.append(("urldate", "{" + r.accessed.iso() + "}"))
        if r.language:
            # langid for biblatex's hyphenation; language, which Zotero reads, by the same name so that
            # biblatex's clearlang drops it when it is the document's language
            name = LANGIDS.get(r.language)
            if name:
                fields.append(("langid", "{" + name + "}"))
            fields.append(("language", self.text(name or r.language)))
        return entry_type, fields + self.imported(r, fields)
