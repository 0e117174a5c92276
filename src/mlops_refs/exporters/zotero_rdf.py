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

import html
from functools import cache, partial
from typing import IO, ClassVar

from lxml import etree

from ..model import Catalog, Collection, PartialDate, Person, Resource
from . import BaseExporter

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


@cache
def qname(prefixed: str) -> str:
    """Clark notation for a prefixed name: 'dc:title' -> '{http://purl.org/dc/elements/1.1/}title'."""
    prefix, local = prefixed.split(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


# Our type -> (Zotero itemType, node element, container element); None = rdf:Description / no container.
ZOTERO_TYPES: dict[str, tuple[str, str | None, str | None]] = {
    "journal-article": ("journalArticle", "bib:Article", "bib:Journal"),
    "conference-paper": ("conferencePaper", None, "bib:Journal"),
    "preprint": ("preprint", None, None),
    "report": ("report", "bib:Report", None),
    "book": ("book", "bib:Book", None),
    "chapter": ("bookSection", "bib:BookSection", "bib:Book"),
    "thesis": ("thesis", "bib:Thesis", None),
    "software": ("computerProgram", "bib:Data", None),
    "service": ("computerProgram", "bib:Data", None),
    "webpage": ("webpage", "bib:Document", "z:Website"),
    "documentation": ("webpage", "bib:Document", "z:Website"),
    "course": ("webpage", "bib:Document", "z:Website"),
    "blog-post": ("blogPost", "bib:Document", "z:Blog"),
    "news-article": ("newspaperArticle", "bib:Article", "bib:Newspaper"),
    "video": ("videoRecording", "bib:Recording", None),
    "dataset": ("dataset", None, None),
}

BATCH = 2000  # nodes built and serialised together

# The importer reads bib:authors only for types whose creators include "author".
AUTHOR_ROLE = {"computerProgram": "z:programmers", "videoRecording": "z:directors"}
NO_LANGUAGE_FIELD = {"computerProgram"}


class ZoteroRdfExporter(BaseExporter):
    name: ClassVar[str] = "zotero-rdf"
    aliases: ClassVar[tuple[str, ...]] = ("rdf", "zotero")
    extension: ClassVar[str] = ".rdf"
    media_type: ClassVar[str] = "application/rdf+xml"
    description: ClassVar[str] = "Zotero RDF with item types, creators, tags, notes and the collection tree."
    default_filename: ClassVar[str] = "mlops-refs.rdf"

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as Zotero RDF/XML."""
        root = etree.Element(qname("rdf:RDF"), nsmap=NAMESPACES)
        abouts = {r.id: f"#item_{n}" for n, r in enumerate(catalog.resources, start=1)}
        walk = list(catalog.walk())
        collection_abouts = {c.id: f"#collection_{n}" for n, (c, _depth) in enumerate(walk, start=1)}
        adders = [
            partial(add_item, root, resource, n) for n, resource in enumerate(catalog.resources, start=1)
        ]
        adders += [partial(add_collection, root, catalog, c, collection_abouts, abouts) for c, _depth in walk]
        # The document is built and written a batch of nodes at a time, so a large catalog never holds the
        # whole tree in memory; the bytes are the same as one tree serialised at once.
        stream.write(_start_tag(root))
        for start in range(0, len(adders), BATCH):
            for add in adders[start : start + BATCH]:
                add()
            etree.indent(root, space="    ")
            text = etree.tostring(root, encoding="unicode")
            stream.write(text[text.index(">") + 1 : text.rindex("</")].rstrip("\n"))
            root.clear()
        stream.write("\n</rdf:RDF>\n")


def _start_tag(root: etree._Element) -> str:
    """The root's start tag with its namespace declarations, as lxml writes it."""
    probe = etree.SubElement(root, qname("z:probe"))
    text = etree.tostring(root, encoding="unicode")
    root.remove(probe)
    return text[: text.index(">") + 1]


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """Append a child element, with text when given."""
    element = _SubElement(parent, _QNAMES.get(tag) or qname(tag))
    if text is not None:
        element.text = text
    return element


def ref(parent: etree._Element, tag: str, attribute: str, target: str) -> etree._Element:
    """Append a child element whose rdf:about or rdf:resource is ``target``."""
    return _SubElement(parent, _QNAMES.get(tag) or qname(tag), {_QNAMES[attribute]: target})


_SubElement = etree.SubElement
_QNAMES = {
    f"{prefix}:{local}": qname(f"{prefix}:{local}")
    for prefix, names in {
        "rdf": ("Description", "Seq", "li", "value", "about", "resource"),
        "z": ("itemType", "language", "citationKey", "Collection", "programmers", "directors"),
        "dc": ("title", "subject", "identifier", "date", "description", "publisher"),
        "dcterms": ("isPartOf", "isReferencedBy", "URI", "dateSubmitted", "abstract", "hasPart"),
        "foaf": ("Person", "surname", "givenName", "Organization", "name"),
        "bib": ("authors", "editors", "pages", "Memo"),
        "prism": ("volume", "number"),
    }.items()
    for local in names
}


def add_item(root: etree._Element, resource: Resource, n: int) -> None:
    """Append the node ``#item_<n>`` for one resource, shaped as Zotero's exporter shapes its item type.

    Its note follows as a child bib:Memo ``#note_<n>``.
    """
    zotero_type, node_tag, container_tag = ZOTERO_TYPES[resource.type]
    item = ref(root, node_tag or "rdf:Description", "rdf:about", f"#item_{n}")
    sub(item, "z:itemType", zotero_type)

    identifiers = [
        f"{label} {value}" for label, value in (("DOI", resource.doi), ("ISBN", resource.isbn)) if value
    ]
    if container_tag:
        container = etree.Element(qname(container_tag))
        fields = (
            ("dc:title", resource.container),
            ("prism:volume", resource.volume),
            ("prism:number", resource.issue),
        )
        for tag, value in [*fields, *(("dc:identifier", i) for i in identifiers)]:
            if value:
                sub(container, tag, value)
        identifiers = []
        if len(container):
            sub(item, "dcterms:isPartOf").append(container)
    organisation, platform = publisher_and_platform(resource, zotero_type, bool(container_tag))
    if organisation:
        sub(sub(sub(item, "dc:publisher"), "foaf:Organization"), "foaf:name", organisation)

    add_creators(item, AUTHOR_ROLE.get(zotero_type, "bib:authors"), resource.authors)
    add_creators(item, "bib:editors", resource.editors)
    if resource.note:
        ref(item, "dcterms:isReferencedBy", "rdf:resource", f"#note_{n}")
    for tag in resource.tags:
        sub(item, "dc:subject", tag)
    sub(sub(sub(item, "dc:identifier"), "dcterms:URI"), "rdf:value", resource.url)
    for identifier in identifiers:
        sub(item, "dc:identifier", identifier)
    if not container_tag:
        number = resource.number or (
            f"arXiv:{resource.arxiv}" if zotero_type == "preprint" and resource.arxiv else None
        )
        for tag, value in (("prism:volume", resource.volume), ("prism:number", number or resource.issue)):
            if value:
                sub(item, tag, value)
    if resource.pages:
        sub(item, "bib:pages", resource.pages)
    if resource.issued:
        sub(item, "dc:date", resource.issued.iso())
    extra = extra_lines(resource)
    if extra:
        sub(item, "dc:description", "\n".join(extra))
    if resource.accessed and resource.issued:
        sub(item, "dcterms:dateSubmitted", sql_datetime(resource.accessed))
    if platform:
        sub(item, *platform)
    if resource.language and zotero_type not in NO_LANGUAGE_FIELD:
        sub(item, "z:language", resource.language)
    sub(item, "z:citationKey", resource.id)
    if resource.summary:
        sub(item, "dcterms:abstract", resource.summary)
    sub(item, "dc:title", resource.title)
    if resource.note:
        sub(ref(root, "bib:Memo", "rdf:about", f"#note_{n}"), "rdf:value", note_html(resource.note))


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


def add_creators(item: etree._Element, role: str, people: tuple[Person, ...]) -> None:
    """Append one rdf:Seq of foaf:Person for a creator role (the importer reads only the first Seq)."""
    if not people:
        return
    seq = sub(sub(item, role), "rdf:Seq")
    for person in people:
        node = sub(sub(seq, "rdf:li"), "foaf:Person")
        sub(node, "foaf:surname", person.full_family)
        given = given_name(person)
        if given:
            sub(node, "foaf:givenName", given)


def given_name(person: Person) -> str | None:
    """Zotero's first-name field: the given name, with a suffix after a comma ('Martin Luther, Jr.')."""
    if person.is_organisation:
        return None
    return ", ".join(p for p in (person.given, person.suffix) if p) or None


def extra_lines(resource: Resource) -> list[str]:
    """Zotero Extra lines: the arXiv id as Zotero's arXiv translator writes it; an undated access date."""
    lines = []
    if resource.arxiv:
        lines.append(
            f"arXiv:{resource.arxiv}" + (f" [{resource.arxiv_class}]" if resource.arxiv_class else "")
        )
    if resource.accessed and not resource.issued:
        lines.append(f"Accessed: {resource.accessed.iso()}")
    return lines


def sql_datetime(date: PartialDate) -> str:
    """Zotero's access-date form 'YYYY-MM-DD 00:00:00' (UTC); a missing month or day becomes 01."""
    return f"{date.year:04d}-{date.month or 1:02d}-{date.day or 1:02d} 00:00:00"


def note_html(note: str) -> str:
    """Plain text as Zotero note HTML: <p> per blank-line paragraph, <br> per line break, text escaped."""
    paragraphs = [p for p in note.replace("\r\n", "\n").split("\n\n") if p.strip()]
    bodies = ("<br>".join(html.escape(line, quote=False) for line in p.split("\n")) for p in paragraphs)
    return "".join(f"<p>{body}</p>" for body in bodies)


def add_collection(
    root: etree._Element,
    catalog: Catalog,
    collection: Collection,
    collection_abouts: dict[str, str],
    abouts: dict[str, str],
) -> None:
    """Append a z:Collection with a dcterms:hasPart for each sub-collection and each member item."""
    node = ref(root, "z:Collection", "rdf:about", collection_abouts[collection.id])
    sub(node, "dc:title", collection.title)
    for child in catalog.children(collection):
        ref(node, "dcterms:hasPart", "rdf:resource", collection_abouts[child.id])
    for member in catalog.members(collection):
        ref(node, "dcterms:hasPart", "rdf:resource", abouts[member.id])
