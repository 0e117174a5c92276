"""Reading Zotero RDF (Zotero's "Zotero RDF" export) as Zotero's own RDF.js importer reads it.

lxml with an index of ``rdf:about`` nodes, not an RDF graph library (rdflib refuses real exports with
attachments). Items are nodes with ``z:itemType``; containers (journal, book, website, series) are nested or
referenced by ``rdf:resource``; ``z:Collection`` + ``dcterms:hasPart`` give the collection tree (walked
with an explicit stack); ``bib:Memo`` nodes linked by ``dcterms:isReferencedBy`` are the item's notes;
Zotero's Extra field (``dc:description``) lines such as ``PMID: ...`` become the fields they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, ClassVar

from ..crosswalk import catalog_type
from ..identity import bare_doi
from ..model import Catalog, PartialDate, Person
from ..text.xml import local, parse
from .base import NotThisFormatError, Report
from .builder import MAX_DEPTH, CatalogBuilder
from .dates import make_date, parse_date_text
from .names import split_particle

if TYPE_CHECKING:
    from lxml import etree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
Z = "http://www.zotero.org/namespaces/export#"
BIBO = "http://purl.org/ontology/bibo/"
LINK = "http://purl.org/rss/1.0/modules/link/"
DC, DCTERMS = "{http://purl.org/dc/elements/1.1/}", "{http://purl.org/dc/terms/}"
PRISM, FOAF = "{http://prismstandard.org/namespaces/1.2/basic/}", "{http://xmlns.com/foaf/0.1/}"
ABOUT, NODE_ID, RESOURCE = f"{{{RDF}}}about", f"{{{RDF}}}nodeID", f"{{{RDF}}}resource"

#: Resource and collection fields Zotero RDF cannot carry. A summary arrives as the abstract (one field).
LOST_FIELDS: frozenset[str] = frozenset(
    {"summary", "aliases", "added", "collection.kind", "collection.summary", "collection.url"}
)

#: Zotero item types the crosswalk has no row for, read as the nearest of ours without a report line.
MORE_TYPES: dict[str, str] = {
    "forumPost": "blog-post",
    "film": "video",
    "tvBroadcast": "video",
    "dictionaryEntry": "encyclopedia-entry",
    "statute": "legal",
    "bill": "legal",
    "hearing": "legal",
    "podcast": "audio",
    "radioBroadcast": "audio",
    "email": "letter",
    "instantMessage": "document",
}


def type_of(zotero_type: str) -> str | None:
    """Our type for a Zotero item type (the crosswalk's, else the nearest), or None when unknown."""
    return catalog_type("zotero", zotero_type) or MORE_TYPES.get(zotero_type) if zotero_type else None


#: Creator elements -> our role; the first group names each type's primary creator.
CREATOR_ROLES = {
    **dict.fromkeys(
        ("authors", "programmers", "directors", "artists", "performers", "podcasters", "presenters",
         "inventors", "interviewees", "cartographers", "sponsors", "composers"),
        "authors",
    ),
    "editors": "editors",
    "translators": "translators",
}  # fmt: skip
NUMBER_TYPES = frozenset({"report", "preprint", "patent", "standard", "legal"})
INSTITUTION_TYPES = frozenset({"report", "thesis"})
#: Extra-field line names (lower case) -> our field.
DATE_LINES = {"accessed": "accessed", "original-date": "original_date"}
EXTRA_FIELDS = {"pmid": "pmid", "pmcid": "pmcid", "doi": "doi", "issn": "issn", "isbn": "isbn"}
#: Zotero fields the exporter writes outside the z: namespace, read into ``extra`` under Zotero's names;
#: every other z:<field> element is read into ``extra`` under its own name (the exporter's catch-all).
EXTRA_ELEMENTS = {
    "rights": "rights",
    "coverage": "archiveLocation",
    "type": "type",
    "medium": "medium",
    "alternative": "journalAbbreviation",
    "issued": "issueDate",
    "source": "source",
}
#: Read elsewhere (item type, attachments) or derived (Zotero's display title).
IGNORED_ELEMENTS = frozenset({(Z, "itemType"), (Z, "displayTitle"), (RDF, "type"), (LINK, "link")})
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{4})")  # '8/2020', as Zotero's DOI translators write dates
_EXTRA_LINE = re.compile(r"([A-Za-z][\w -]{0,40}):(?:\s+(.*))?")
_ARXIV = re.compile(r"arXiv:\s*(\S+)(?:\s+\[([^\]]+)\])?")


@dataclass
class _Item:
    node: etree._Element
    about: str
    collections: list[str] = field(default_factory=list)


class ZoteroRdfReader:
    """Zotero RDF: items, creators, containers, tags, notes and the collection tree."""

    name: ClassVar[str] = "zotero-rdf"
    extensions: ClassVar[tuple[str, ...]] = (".rdf",)
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True for RDF/XML that uses Zotero's namespace."""
        return "<rdf:RDF" in head and "zotero.org/namespaces/export" in head

    def read(self, data: bytes, report: Report) -> Catalog:
        """Items and collections of a Zotero RDF file; NotThisFormatError for other RDF (Bibliontology...)."""
        report.format = report.format or self.name
        root = parse(data, report)
        if local(root) != "RDF" or root.tag.split("}")[0] != "{" + RDF:
            raise NotThisFormatError(f"{report.file}: the root element is not rdf:RDF")
        nodes = list(root)
        index = {node.get(ABOUT) or node.get(NODE_ID): node for node in nodes}
        index.pop(None, None)
        items = [node for node in nodes if node.find(f"{{{Z}}}itemType") is not None]
        collections = [node for node in nodes if node.tag == f"{{{Z}}}Collection"]
        if not items and not collections:
            if any(str(e.tag).startswith("{" + BIBO) for e in root.iter()):
                why = "Bibliontology RDF (bibo:), not Zotero RDF; export it from Zotero as Zotero RDF"
            else:
                why = "RDF with no Zotero items (z:itemType) or collections"
            raise NotThisFormatError(f"{report.file}: {why}")
        return _Reading(report, index).run(nodes, items, collections)


class _Reading:
    """One read: the node index, the builder and what items belong to which collection."""

    def __init__(self, report: Report, index: dict[str, etree._Element]) -> None:
        self.report = report
        self.index = index
        self.builder = CatalogBuilder(report)
        self.too_deep = False

    def run(
        self, nodes: list[etree._Element], items: list[etree._Element], collections: list[etree._Element]
    ) -> Catalog:
        """Folders first (so memberships are known), then every item in file order."""
        linked = {link.get(RESOURCE) for node in items for link in node.findall(f"{{{LINK}}}link")}
        referenced_notes = {
            ref.get(RESOURCE) for node in items for ref in node.findall(f"{DCTERMS}isReferencedBy")
        }
        memberships = self._collections(collections)
        for node in items:
            about = node.get(ABOUT) or node.get(NODE_ID) or ""
            item_type = (node.findtext(f"{{{Z}}}itemType") or "").strip()
            if item_type == "attachment" and about in linked:
                title = (node.findtext(f"{DC}title") or "").strip()
                self.report.add(
                    node.sourceline, "attachment", f"attachment {title!r} not kept (a file or link)"
                )
                continue
            if item_type == "note":
                self.report.add(
                    node.sourceline, "note", "standalone note not kept (no record type for notes)"
                )
                continue
            fields, key = self._item(node, item_type)
            where = memberships.get(about, [])
            rid = self.builder.add(
                fields, node.sourceline, where[0] if where else None, key=key, identity=about
            )
            for cid in where[1:]:
                self.builder.file_into(rid, cid)
        for node in nodes:
            about = node.get(ABOUT)
            if node.tag == "{http://purl.org/net/biblio#}Memo" and about not in referenced_notes:
                words = " ".join(_html_text(node.findtext(f"{{{RDF}}}value") or "").split()[:8])
                self.report.add(node.sourceline, "note", f"standalone note {words!r} not kept")
        return self.builder.build()

    # -- collections
    def _collections(self, collections: list[etree._Element]) -> dict[str, list[str]]:
        """Build the collection tree with an explicit stack; return item about -> collection ids.

        Roots are the collections no other one lists; a collection only reachable through a loop starts a
        tree of its own; one listed under two parents is kept under the first.
        """
        by_about = {c.get(ABOUT): c for c in collections}
        children = {part for c in collections for part in _parts(c) if part in by_about}
        roots = [c for c in collections if c.get(ABOUT) not in children]
        memberships: dict[str, list[str]] = {}
        done: set[str | None] = set()
        for start in [*roots, *collections]:
            if start.get(ABOUT) in done:
                continue
            stack: list[tuple[etree._Element, str | None, int]] = [(start, None, 1)]
            while stack:
                node, parent, depth = stack.pop()
                if node.get(ABOUT) in done:
                    message = "collection listed under a second parent (or in a loop); kept under the first"
                    self.report.add(node.sourceline, "collection", message, "changed")
                    continue
                done.add(node.get(ABOUT))
                cid = self._folder(node, parent, depth)
                subcollections = self._members(node, cid, by_about, memberships)
                stack.extend((child, cid, depth + 1) for child in reversed(subcollections))
        return memberships

    def _folder(self, node: etree._Element, parent: str | None, depth: int) -> str:
        """A collection's folder id; below MAX_DEPTH levels, its parent's (reported once)."""
        if depth > MAX_DEPTH and parent is not None:
            if not self.too_deep:
                message = f"collections nested deeper than {MAX_DEPTH} levels are merged into the one above"
                self.report.add(node.sourceline, "collection", message, "changed")
                self.too_deep = True
            return parent
        return self.builder.folder((node.findtext(f"{DC}title") or "").strip(), parent)

    def _members(
        self,
        node: etree._Element,
        cid: str,
        by_about: dict[str | None, etree._Element],
        memberships: dict[str, list[str]],
    ) -> list[etree._Element]:
        """Record the items a collection lists; return its sub-collections in order."""
        subcollections = []
        for part in _parts(node):
            if part in by_about:
                subcollections.append(by_about[part])
            elif part in self.index:
                filed = memberships.setdefault(part, [])
                if cid not in filed:
                    filed.append(cid)
            else:
                title = (node.findtext(f"{DC}title") or "").strip()
                message = f"collection {title!r} lists {part!r}, which is not in the file"
                self.report.add(node.sourceline, "hasPart", message)
        return subcollections

    # -- one item
    def _item(self, node: etree._Element, item_type: str) -> tuple[dict[str, Any], str | None]:
        """An item's Resource fields and its citation key (if it carries one)."""
        line = node.sourceline
        our_type = type_of(item_type)
        if our_type is None:
            what = repr(item_type) if item_type else "missing"
            self.report.add(
                line, "itemType", f"item type {what} has no match here; read as document", "guessed"
            )
            our_type = "document"
        fields: dict[str, Any] = {"type": our_type}
        extra: list[tuple[str, str]] = []
        people: dict[str, list[Person]] = {}
        tags: list[str] = []
        notes: list[str] = []
        key = None
        for child in node:
            name, namespace = local(child), str(child.tag)[1:].split("}")[0]
            text = (child.text or "").strip()
            if (namespace, name) in IGNORED_ELEMENTS:
                continue
            if name == "title" and text:
                if fields.setdefault("title", text) != text:
                    self.report.add(child.sourceline, "dc:title", f"second title {text!r} not kept")
            elif name in CREATOR_ROLES or (name.endswith("s") and namespace == Z and _has_people(child)):
                role = CREATOR_ROLES.get(name)
                found = _people(child, self.index)
                if role is None:
                    extra += [(name[:-1], _name_text(p)) for p in found]
                else:
                    people.setdefault(role, []).extend(found)
            elif name == "isPartOf":
                self._container(child, fields, extra, line)
            elif name == "publisher":
                self._publisher(child, fields, our_type)
            elif name == "subject":
                value = text or (child.findtext(f".//{{{RDF}}}value") or "").strip()
                if child.find(f"{DCTERMS}LCC") is not None:
                    extra.append(("callNumber", value))
                elif value:
                    tags.append(value)
            elif name == "identifier":
                self._identifier(child, text, fields, extra)
            elif name == "isReferencedBy":
                memo = self.index.get(child.get(RESOURCE) or "")
                if memo is not None:
                    notes.append(_html_text(memo.findtext(f"{{{RDF}}}value") or ""))
            elif name == "volume" and text:
                fields["volume"] = text
            elif name == "number" and text:
                self._number(text, fields)
            elif name == "pages" and text:
                fields["pages"] = text
            elif name == "edition" and text:
                fields["edition"] = text
            elif name == "date" and text:
                self._date(text, fields, extra, line)
            elif name == "dateSubmitted" and text:
                accessed = parse_date_text(text)
                if accessed is not None:
                    fields["accessed"] = accessed
            elif name == "description" and text:
                self._extra_field(child.text or "", fields, extra)
            elif name == "abstract" and text:
                fields["abstract"] = child.text.strip()  # type: ignore[union-attr]
            elif name == "language" and text:
                fields["language"] = text
            elif name == "citationKey" and text:
                key = text
            elif name in EXTRA_ELEMENTS and text and namespace != Z:
                extra.append((EXTRA_ELEMENTS[name], text))
            elif namespace == Z and text and not len(child):
                extra.append((name, text))
            elif name == "presentedAt":
                conference = (child.findtext(f".//{DC}title") or "").strip()
                if conference:
                    extra.append(("conferenceName", conference))
            elif text or len(child):
                self.report.add(line, f"{child.prefix}:{name}", "not kept (no field for it)")
        if our_type == "video" and "libraryCatalog" in dict(extra) and "container" not in fields:
            fields["container"] = _take(extra, "libraryCatalog")
        if our_type == "software" and "system" in dict(extra) and "container" not in fields:
            fields["container"] = _take(extra, "system")
        key = _take(extra, "Citation Key") or key
        if "title" not in fields:
            self.report.add(line, "title", "item has no title; '(untitled)' is its title", "guessed")
            fields["title"] = "(untitled)"
        for role, found in people.items():
            fields[role] = tuple(found)
        if tags:
            fields["tags"] = tags
        if notes:
            fields["note"] = "\n\n".join(n for n in notes if n)
        if extra:
            fields["extra"] = tuple(extra)
        return fields, key

    def _container(
        self, element: etree._Element, fields: dict[str, Any], extra: list, line: int | None
    ) -> None:
        """Journal, book, website or series of an item, nested or referenced (bounded: three levels)."""
        pending = [(element, 0)]
        while pending:
            holder, level = pending.pop()
            target = self.index.get(holder.get(RESOURCE) or "")
            nodes = [target] if target is not None else list(holder)
            for node in nodes:
                title = (node.findtext(f"{DC}title") or "").strip()
                alternative = (node.findtext(f"{DCTERMS}alternative") or "").strip()
                if local(node) == "Series":
                    _series(node, fields, extra)
                    continue
                if local(node) == "Part":
                    if title:
                        extra.append(("section", title))
                    continue
                if title:
                    fields.setdefault("container", title)
                if alternative:
                    extra.append(("journalAbbreviation", alternative))
                for tag, name in (("volume", "volume"), ("number", "issue")):
                    value = (node.findtext(f"{PRISM}{tag}") or "").strip()
                    if value:
                        fields.setdefault(name, value)
                for ident in node.findall(f"{DC}identifier"):
                    self._identifier(ident, (ident.text or "").strip(), fields, extra)
                if level < 3:
                    pending += [(part, level + 1) for part in node.findall(f"{DCTERMS}isPartOf")]

    def _publisher(self, element: etree._Element, fields: dict[str, Any], our_type: str) -> None:
        name = (element.findtext(f".//{FOAF}name") or element.text or "").strip()
        place = (element.findtext(".//{http://nwalsh.com/rdf/vCard#}locality") or "").strip()
        if name:
            if our_type in INSTITUTION_TYPES:
                fields["institution"] = name
            elif our_type == "preprint":
                fields["container"] = name
            else:
                fields["publisher"] = name
        if place:
            fields["place"] = place

    def _identifier(self, element: etree._Element, text: str, fields: dict[str, Any], extra: list) -> None:
        uri = (element.findtext(f".//{{{RDF}}}value") or "").strip()
        if uri:
            if "url" not in fields:
                fields["url"] = uri
            else:
                extra.append(("url", uri))
            return
        label, _, value = text.partition(" ")
        target = {"DOI": "doi", "ISBN": "isbn", "ISSN": "issn"}.get(label)
        if target == "doi":
            value = bare_doi(value) or value  # Zotero keeps a DOI as typed, a doi.org link included
        if target and value.strip():
            fields.setdefault(target, value.strip())
        elif text:
            extra.append(("identifier", text))

    def _number(self, text: str, fields: dict[str, Any]) -> None:
        arxiv = _ARXIV.fullmatch(text)
        if fields["type"] == "preprint" and arxiv:
            fields["arxiv"] = arxiv.group(1)
        elif fields["type"] in NUMBER_TYPES:
            fields["number"] = text
        else:
            fields.setdefault("issue", text)

    def _date(self, text: str, fields: dict[str, Any], extra: list, line: int | None) -> None:
        """Zotero's free-text date: a whole date, else month/year or a year found in it (reported)."""
        date = parse_date_text(text)
        if date is None:
            month_year, year = _MONTH_YEAR.fullmatch(text), _YEAR.search(text)
            if month_year is not None:
                date = make_date(int(month_year.group(2)), int(month_year.group(1)))
            if date is None and year is not None:
                date = PartialDate(int(year.group(1)))
            if date is None:
                self.report.add(line, "dc:date", f"{text!r} is not a date; kept in extra", "changed")
                extra.append(("date", text))
                return
            self.report.add(line, "dc:date", f"{text!r} read as {date.iso()}", "changed")
        fields["issued"] = date

    def _extra_field(self, text: str, fields: dict[str, Any], extra: list) -> None:
        """Zotero's Extra: known 'Name: value' lines become fields, the others stay as extra pairs."""
        for raw in text.splitlines():
            line = raw.strip()
            arxiv, named = _ARXIV.fullmatch(line), _EXTRA_LINE.fullmatch(line)
            if not line:
                continue
            if arxiv and fields.get("arxiv", arxiv.group(1)) == arxiv.group(1):
                fields["arxiv"] = arxiv.group(1)
                if arxiv.group(2):
                    fields["arxiv_class"] = arxiv.group(2)
                continue
            if named is None:
                extra.append(("extra", line))
                continue
            name, value = named.group(1), (named.group(2) or "").strip()
            date = parse_date_text(value) if name.lower() in DATE_LINES else None
            if date is not None:
                fields[DATE_LINES[name.lower()]] = date
            elif name.lower() in EXTRA_FIELDS and value:
                target = EXTRA_FIELDS[name.lower()]
                fields.setdefault(target, (bare_doi(value) or value) if target == "doi" else value)
            else:
                extra.append((name, named.group(2) or ""))


def _series(node: etree._Element, fields: dict[str, Any], extra: list[tuple[str, str]]) -> None:
    """A bib:Series as Zotero writes it: title, alternative (series title), description, identifier."""
    title = (node.findtext(f"{DC}title") or "").strip()
    if title:
        fields.setdefault("series", title)
    parts = (("seriesTitle", "alternative"), ("seriesText", "description"), ("seriesNumber", "identifier"))
    for name, element in parts:
        tag = f"{DCTERMS if element == 'alternative' else DC}{element}"
        value = (node.findtext(tag) or "").strip()
        if value:
            extra.append((name, value))


def _parts(collection: etree._Element) -> list[str]:
    return [
        part.get(RESOURCE) or "" for part in collection.findall(f"{DCTERMS}hasPart") if part.get(RESOURCE)
    ]


def _has_people(element: etree._Element) -> bool:
    return element.find(f".//{FOAF}Person") is not None


def _people(element: etree._Element, index: dict[str, etree._Element]) -> list[Person]:
    """The people of one creator role, in order (``rdf:Seq/rdf:li/foaf:Person``, or referenced)."""
    found = []
    for li in element.iter(f"{{{RDF}}}li"):
        person = li.find(f"{FOAF}Person")
        if person is None and li.get(RESOURCE) in index:
            person = index[li.get(RESOURCE)]  # type: ignore[index]
        if person is not None:
            found.append(_person(person))
    return found


def _person(node: etree._Element) -> Person:
    """A foaf:Person: surname (familyName) and givenName (older files: givenname); surname alone = literal."""
    foaf = FOAF
    family = (node.findtext(f"{foaf}surname") or node.findtext(f"{foaf}familyName") or "").strip()
    given = (node.findtext(f"{foaf}givenName") or node.findtext(f"{foaf}givenname") or "").strip()
    if not given:
        return Person(literal=family or "(anonymous)")
    suffix = None
    if ", " in given:
        given, suffix = given.rsplit(", ", 1)
    particle, family = split_particle(family)
    return Person(family=family, given=given or None, particle=particle, suffix=suffix)


def _name_text(person: Person) -> str:
    return person.literal or f"{person.full_family}, {person.given or ''}".rstrip(", ")


def _take(extra: list[tuple[str, str]], name: str) -> str | None:
    for n, (key, value) in enumerate(extra):
        if key == name:
            del extra[n]
            return value
    return None


class _TextOfHtml(HTMLParser):
    """Zotero note HTML as plain text: paragraphs as blank lines, <br> as line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "blockquote") and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(html: str) -> str:
    """The text of a Zotero note."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    paragraphs = "".join(parser.parts).split("\n\n")
    return "\n\n".join(p.strip("\n") for p in paragraphs if p.strip())
