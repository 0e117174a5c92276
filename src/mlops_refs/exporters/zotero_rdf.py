"""Zotero RDF: the RDF/XML that Zotero's own "Zotero RDF" exporter writes, for File > Import in Zotero.

The only interchange format that keeps everything: item types, creators in order, tags, child notes and the
course/week collection tree. The shape follows Zotero's exporter (translators "Zotero RDF.js") and what its
importer ("RDF.js") reads back:

- items are ``#item_<n>`` by catalog order (never the URL: two items sharing a URI merge into one node);
- fields whose Zotero name is mapped to a base field are written under the base field, as Zotero does:
  arXiv id / report number -> ``prism:number``; repository / institution / company -> ``dc:publisher``;
- DOI and ISBN sit on the container node when the type has one, as in Zotero's own exports;
- the access date is written only for dated items: the importer takes ``dcterms:dateSubmitted`` as the
  publication date when ``dc:date`` is missing, so an undated item carries it in Extra (``Accessed: ...``),
  which Zotero moves into its Access Date field on import.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import IO, TYPE_CHECKING, ClassVar

from ..crosswalk import format_type
from ..errors import ExportError
from ..text.xml import text
from . import BaseExporter, write_lines

if TYPE_CHECKING:
    from ..model import Catalog, Collection, PartialDate, Person, Resource

NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "z": "http://www.zotero.org/namespaces/export#",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "bib": "http://purl.org/net/biblio#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "link": "http://purl.org/rss/1.0/modules/link/",
    "prism": "http://prismstandard.org/namespaces/1.2/basic/",
    "vcard": "http://nwalsh.com/rdf/vCard#",
}


# Zotero item type -> (node element, container element), as Zotero's exporter shapes each type;
# None = rdf:Description / no container node.
NODE_SHAPES: dict[str, tuple[str | None, str | None]] = {
    "journalArticle": ("bib:Article", "bib:Journal"),
    "conferencePaper": (None, "bib:Journal"),
    "preprint": (None, None),
    "report": ("bib:Report", None),
    "book": ("bib:Book", None),
    "bookSection": ("bib:BookSection", "bib:Book"),
    "thesis": ("bib:Thesis", None),
    "computerProgram": ("bib:Data", None),
    "webpage": ("bib:Document", "z:Website"),
    "blogPost": ("bib:Document", "z:Blog"),
    "newspaperArticle": ("bib:Article", "bib:Newspaper"),
    "videoRecording": ("bib:Recording", None),
    "dataset": (None, None),
    "magazineArticle": ("bib:Article", "bib:Periodical"),
    "encyclopediaArticle": (None, "bib:Book"),
    "manuscript": ("bib:Manuscript", None),
    "presentation": ("bib:ConferenceProceedings", None),
    "patent": ("bib:Patent", None),
    "standard": (None, None),
    "case": ("bib:Document", "bib:CourtReporter"),
    "audioRecording": ("bib:Recording", None),
    "artwork": ("bib:Illustration", None),
    "map": ("bib:Image", None),
    "interview": ("bib:Interview", None),
    "letter": ("bib:Letter", None),
    "document": (None, None),
}

BATCH = 1000  # items rendered and written together

# The importer reads bib:authors only for types whose creators include "author".
AUTHOR_ROLE = {
    "computerProgram": "z:programmers",
    "videoRecording": "z:directors",
    "audioRecording": "z:performers",
    "artwork": "z:artists",
    "presentation": "z:presenters",
    "patent": "z:inventors",
    "map": "z:cartographers",
    "interview": "z:interviewees",
}
NO_LANGUAGE_FIELD = {"computerProgram"}


class ZoteroRdfExporter(BaseExporter):
    name: ClassVar[str] = "zotero-rdf"
    aliases: ClassVar[tuple[str, ...]] = ("rdf", "zotero")
    extension: ClassVar[str] = ".rdf"
    media_type: ClassVar[str] = "application/rdf+xml"
    description: ClassVar[str] = "Zotero RDF with item types, creators, tags, notes and the collection tree."
    default_filename: ClassVar[str] = "mlops-refs.rdf"

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as Zotero RDF/XML, indented as lxml indents it."""
        write_lines(stream, chain([ROOT_START_TAG], self._nodes(catalog), ["</rdf:RDF>"]), BATCH)

    def _nodes(self, catalog: Catalog) -> Iterator[str]:
        """Each item (with its note), then each collection, as indented markup."""
        abouts = {r.id: f"#item_{n}" for n, r in enumerate(catalog.resources, start=1)}
        walk = [collection for collection, _depth in catalog.walk()]
        collection_abouts = {c.id: f"#collection_{n}" for n, c in enumerate(walk, start=1)}
        for n, resource in enumerate(catalog.resources, start=1):
            try:
                yield item_markup(resource, n)
            except ExportError as error:
                raise ExportError(f"zotero-rdf: resource {resource.id}: {error}") from None
        for collection in walk:
            try:
                yield collection_markup(catalog, collection, collection_abouts, abouts)
            except ExportError as error:
                raise ExportError(f"zotero-rdf: collection {collection.id}: {error}") from None


ROOT_START_TAG = "<rdf:RDF " + " ".join(f'xmlns:{p}="{uri}"' for p, uri in NAMESPACES.items()) + ">"
PAD = tuple(" " * (4 * depth) for depth in range(8))


def leaf(depth: int, tag: str, value: str) -> str:
    """One indented element holding text."""
    return f"{PAD[depth]}<{tag}>{text(value)}</{tag}>"


def wrapped(depth: int, wrappers: tuple[str, ...], tag: str) -> str:
    """A format template: ``tag`` holding ``{}`` inside nested ``wrappers``, indented from ``depth``."""
    opening = [f"{PAD[depth + i]}<{w}>" for i, w in enumerate(wrappers)]
    closing = [f"{PAD[depth + i]}</{w}>" for i, w in reversed(list(enumerate(wrappers)))]
    return "\n".join([*opening, leaf(depth + len(wrappers), tag, "{}"), *closing])


PUBLISHER = wrapped(2, ("dc:publisher", "foaf:Organization"), "foaf:name")
URL = wrapped(2, ("dc:identifier", "dcterms:URI"), "rdf:value")
PERSON = wrapped(4, ("rdf:li", "foaf:Person"), "foaf:surname")
GIVEN_NAME = leaf(6, "foaf:givenName", "{}")
PERSON_WITH_GIVEN_NAME = PERSON.replace("</foaf:surname>", f"</foaf:surname>\n{GIVEN_NAME}")


def item_markup(resource: Resource, n: int) -> str:
    """The node ``#item_<n>`` for one resource, shaped as Zotero's exporter shapes its item type.

    Its note follows as a bib:Memo ``#note_<n>``.
    """
    zotero_type = format_type(resource.type, "zotero")
    node_tag, container_tag = NODE_SHAPES[zotero_type]
    node_tag = node_tag or "rdf:Description"
    out = [f'{PAD[1]}<{node_tag} rdf:about="#item_{n}">', leaf(2, "z:itemType", zotero_type)]

    labelled = (("DOI", resource.doi), ("ISBN", resource.isbn), ("ISSN", resource.issn))
    identifiers = [f"{label} {value}" for label, value in labelled if value]
    if container_tag:
        fields = (
            ("dc:title", resource.container),
            ("prism:volume", resource.volume),
            ("prism:number", resource.issue),
            *(("dc:identifier", i) for i in identifiers),
        )
        container = [leaf(4, tag, value) for tag, value in fields if value]
        identifiers = []
        if container:
            out += [f"{PAD[2]}<dcterms:isPartOf>", f"{PAD[3]}<{container_tag}>", *container]
            out += [f"{PAD[3]}</{container_tag}>", f"{PAD[2]}</dcterms:isPartOf>"]
    if resource.series:
        out += [f"{PAD[2]}<dcterms:isPartOf>", f"{PAD[3]}<bib:Series>", leaf(4, "dc:title", resource.series)]
        out += [f"{PAD[3]}</bib:Series>", f"{PAD[2]}</dcterms:isPartOf>"]
    organisation, platform = publisher_and_platform(resource, zotero_type, bool(container_tag))
    if resource.place:
        out += [f"{PAD[2]}<dc:publisher>", f"{PAD[3]}<foaf:Organization>", f"{PAD[4]}<vcard:adr>"]
        out += [
            f"{PAD[5]}<vcard:Address>",
            leaf(6, "vcard:locality", resource.place),
            f"{PAD[5]}</vcard:Address>",
        ]
        out.append(f"{PAD[4]}</vcard:adr>")
        if organisation:
            out.append(leaf(4, "foaf:name", organisation))
        out += [f"{PAD[3]}</foaf:Organization>", f"{PAD[2]}</dc:publisher>"]
    elif organisation:
        out.append(PUBLISHER.format(text(organisation)))

    add_creators(out, AUTHOR_ROLE.get(zotero_type, "bib:authors"), resource.authors)
    add_creators(out, "bib:editors", resource.editors)
    add_creators(out, "z:translators", resource.translators)
    if resource.note:
        out.append(f'{PAD[2]}<dcterms:isReferencedBy rdf:resource="#note_{n}"/>')
    out += [leaf(2, "dc:subject", tag) for tag in resource.tags]
    if resource.url:
        out.append(URL.format(text(resource.url)))
    out += [leaf(2, "dc:identifier", identifier) for identifier in identifiers]
    if not container_tag:
        number = resource.number or (
            f"arXiv:{resource.arxiv}" if zotero_type == "preprint" and resource.arxiv else None
        )
        for tag, value in (("prism:volume", resource.volume), ("prism:number", number or resource.issue)):
            if value:
                out.append(leaf(2, tag, value))
    if resource.pages:
        out.append(leaf(2, "bib:pages", resource.pages))
    if resource.edition:
        out.append(leaf(2, "prism:edition", resource.edition))
    if resource.issued:
        out.append(leaf(2, "dc:date", resource.issued.iso()))
    extra = extra_lines(resource)
    if extra:
        out.append(leaf(2, "dc:description", "\n".join(extra)))
    if resource.accessed and resource.issued:
        out.append(leaf(2, "dcterms:dateSubmitted", sql_datetime(resource.accessed)))
    if platform:
        out.append(leaf(2, *platform))
    if resource.language and zotero_type not in NO_LANGUAGE_FIELD:
        out.append(leaf(2, "z:language", resource.language))
    out.append(leaf(2, "z:citationKey", resource.id))
    if resource.abstract or resource.summary:
        out.append(leaf(2, "dcterms:abstract", resource.abstract or resource.summary))
    out += [leaf(2, "dc:title", resource.title), f"{PAD[1]}</{node_tag}>"]
    if resource.note:
        out += [f'{PAD[1]}<bib:Memo rdf:about="#note_{n}">', leaf(2, "rdf:value", note_html(resource.note))]
        out.append(f"{PAD[1]}</bib:Memo>")
    return "\n".join(out)


def publisher_and_platform(
    resource: Resource, zotero_type: str, has_container: bool
) -> tuple[str | None, tuple[str, str] | None]:
    """The dc:publisher name, and where a container title goes when the Zotero type has no container node.

    Videos keep the platform (YouTube) as Library Catalog, as Zotero's YouTube translator does; software keeps
    a platform next to its company as Platform (z:system); other types take the container as publisher
    (arXiv -> Repository, a data portal -> Repository); an arXiv preprint's repository defaults to arXiv.
    """
    organisation = resource.institution or resource.publisher
    container = None if has_container else resource.container
    if zotero_type == "videoRecording" and container:
        return organisation, ("z:libraryCatalog", container)
    if zotero_type == "computerProgram" and organisation and container:
        return organisation, ("z:system", container)
    if zotero_type == "preprint" and resource.arxiv and not container:
        container = "arXiv"
    return organisation or container, None


def add_creators(out: list[str], role: str, people: tuple[Person, ...]) -> None:
    """Append one rdf:Seq of foaf:Person for a creator role (the importer reads only the first Seq)."""
    if not people:
        return
    out += [f"{PAD[2]}<{role}>", f"{PAD[3]}<rdf:Seq>"]
    for person in people:
        given = given_name(person)
        if given:
            out.append(PERSON_WITH_GIVEN_NAME.format(text(person.full_family), text(given)))
        else:
            out.append(PERSON.format(text(person.full_family)))
    out += [f"{PAD[3]}</rdf:Seq>", f"{PAD[2]}</{role}>"]


def given_name(person: Person) -> str | None:
    """Zotero's first-name field: the given name, with a suffix after a comma ('Martin Luther, Jr.')."""
    if person.literal is not None:
        return None
    if person.suffix:
        return f"{person.given}, {person.suffix}" if person.given else person.suffix
    return person.given or None


def extra_lines(resource: Resource) -> list[str]:
    """Zotero Extra lines: the arXiv id as Zotero's arXiv translator writes it; an undated access date."""
    lines = []
    if resource.arxiv:
        lines.append(
            f"arXiv:{resource.arxiv}" + (f" [{resource.arxiv_class}]" if resource.arxiv_class else "")
        )
    if resource.accessed and not resource.issued:
        lines.append(f"Accessed: {resource.accessed.iso()}")
    pubmed = (("PMID", resource.pmid), ("PMCID", resource.pmcid))  # as Zotero's PubMed translator writes them
    lines += [f"{name}: {value}" for name, value in pubmed if value]
    if resource.original_date:
        lines.append(f"original-date: {resource.original_date.iso()}")
    lines += [f"{name}: {value}" for name, value in resource.extra if "\n" not in value]
    return lines


def sql_datetime(date: PartialDate) -> str:
    """Zotero's access-date form 'YYYY-MM-DD 00:00:00' (UTC); a missing month or day becomes 01."""
    return f"{date.year:04d}-{date.month or 1:02d}-{date.day or 1:02d} 00:00:00"


def note_html(note: str) -> str:
    """Plain text as Zotero note HTML: <p> per blank-line paragraph, <br> per line break, text escaped."""
    paragraphs = [p for p in note.replace("\r\n", "\n").split("\n\n") if p.strip()]
    bodies = ("<br>".join(_html_text(line) for line in p.split("\n")) for p in paragraphs)
    return "".join(f"<p>{body}</p>" for body in bodies)


def _html_text(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def collection_markup(
    catalog: Catalog,
    collection: Collection,
    collection_abouts: dict[str, str],
    abouts: dict[str, str],
) -> str:
    """A z:Collection with a dcterms:hasPart for each sub-collection and each member item."""
    parts = [collection_abouts[child.id] for child in catalog.children(collection)]
    parts += [abouts[member.id] for member in catalog.members(collection)]
    out = [f'{PAD[1]}<z:Collection rdf:about="{collection_abouts[collection.id]}">']
    out.append(leaf(2, "dc:title", collection.title))
    out += [f'{PAD[2]}<dcterms:hasPart rdf:resource="{part}"/>' for part in parts]
    out.append(f"{PAD[1]}</z:Collection>")
    return "\n".join(out)
