"""BibTeX and BibLaTeX exports, read back by pybtex and bibtexparser (independent parsers)."""

from __future__ import annotations

import re
import unicodedata

import bibtexparser
import pybtex.database
import pytest

from bibtext import latex_to_text
from mlops_refs import dumps
from mlops_refs.errors import ExportOptionError
from mlops_refs.model import Catalog, Person

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]
LIGATURES = {"ﬁ": "fi"}


def comparable(text: str) -> str:
    """Catalog text as it reads after LaTeX encoding: ligatures unfolded, NFC, and (as in TeX) a line break
    is a space."""
    for src, dst in LIGATURES.items():
        text = text.replace(src, dst)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text))


def read_back(text: str) -> str:
    return comparable(latex_to_text(text))


def person_text(person: pybtex.database.Person) -> tuple[str, str]:
    last = " ".join(person.prelast_names + person.last_names)
    first = " ".join(person.first_names + person.middle_names)
    return read_back(last), read_back(first)


def expected_person(person: Person) -> tuple[str, str]:
    if person.is_organisation:
        return comparable(person.literal or ""), ""
    return comparable(person.full_family), comparable(person.given or "")


@pytest.fixture(params=CATALOGS)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_pybtex_reads_every_entry_with_equal_fields(catalog: Catalog, fmt: str) -> None:
    data = pybtex.database.parse_string(dumps(catalog, fmt), "bibtex")
    assert list(data.entries) == [r.id for r in catalog.resources]
    for r in catalog.resources:
        entry = data.entries[r.id]
        assert read_back(entry.fields["title"]) == comparable(r.title), r.id
        assert [person_text(p) for p in entry.persons.get("author", [])] == [
            expected_person(p) for p in r.authors
        ], r.id
        assert [person_text(p) for p in entry.persons.get("editor", [])] == [
            expected_person(p) for p in r.editors
        ], r.id
        assert entry.fields["url"] == r.url
        assert entry.fields.get("doi") == r.doi
        assert entry.fields.get("eprint") == r.arxiv
        if r.tags:
            assert [read_back(t) for t in entry.fields["keywords"].split(", ")] == [
                comparable(t) for t in r.tags
            ]
        if r.note:
            assert read_back(entry.fields["note"]) == comparable(r.note)
        if r.summary:
            assert read_back(entry.fields["abstract"]) == comparable(r.summary)
        if r.issued and fmt == "bibtex":
            assert entry.fields["year"] == str(r.issued.year)
        if r.issued and fmt == "biblatex":
            assert entry.fields["date"] == r.issued.iso()
        if r.accessed:
            assert entry.fields["urldate"] == r.accessed.iso()


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_bibtexparser_reads_every_entry_without_failed_blocks(catalog: Catalog, fmt: str) -> None:
    library = bibtexparser.parse_string(dumps(catalog, fmt))
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [r.id for r in catalog.resources]
    for entry, r in zip(library.entries, catalog.resources, strict=True):
        fields = entry.fields_dict
        assert fields["url"].value == r.url
        assert read_back(fields["title"].value) == comparable(r.title)
        if r.authors:
            assert fields["author"].value.count(" and ") >= len(r.authors) - 1
        if r.doi:
            assert fields["doi"].value == r.doi


def test_bibtex_entry_types_follow_the_resource_types(good_catalog: Catalog) -> None:
    data = pybtex.database.parse_string(dumps(good_catalog, "bibtex"), "bibtex")
    types = {key: entry.type for key, entry in data.entries.items()}
    assert types == {
        "vaswani2017attention": "inproceedings",
        "paleyes2022challenges": "article",
        "nakkiran2019deep": "misc",
        "sigelman2010dapper": "techreport",
        "beethoven-book": "book",
        "dvc": "misc",
        "dynamodb": "misc",
        "tfx-guide": "misc",
        "christophergs-monitoring": "misc",
        "ng-chat": "misc",
        "covertype": "misc",
        "webpage-plain": "misc",
    }
    preprint = data.entries["nakkiran2019deep"].fields
    assert (preprint["archivePrefix"], preprint["primaryClass"]) == ("arXiv", "cs.LG")
    assert preprint["howpublished"] == "arXiv preprint arXiv:1912.02292"
    assert data.entries["dvc"].fields["howpublished"] == r"\url{https://dvc.org/}"
    assert str(data.entries["dvc"].persons["author"][0]) == "{Iterative, Inc.}"
    assert data.entries["paleyes2022challenges"].fields["pages"] == "1--29"
    assert data.entries["paleyes2022challenges"].fields["month"] == "December"  # the bare `dec` macro


def test_biblatex_entry_types_and_fields(good_catalog: Catalog) -> None:
    data = pybtex.database.parse_string(dumps(good_catalog, "biblatex"), "bibtex")
    types = {key: entry.type for key, entry in data.entries.items()}
    assert types["nakkiran2019deep"] == "online"
    assert types["dvc"] == "software"
    assert types["sigelman2010dapper"] == "report"
    assert types["covertype"] == "online"  # Zotero's importer drops @dataset
    assert types["webpage-plain"] == "online"
    preprint = data.entries["nakkiran2019deep"].fields
    assert (preprint["eprinttype"], preprint["eprintclass"], preprint["pubstate"]) == (
        "arxiv",
        "cs.LG",
        "prepublished",
    )
    assert data.entries["sigelman2010dapper"].fields["type"] == "techreport"
    assert data.entries["vaswani2017attention"].fields["langid"] == "english"


def test_bibtex_is_ascii_with_latex_escapes(good_catalog: Catalog) -> None:
    text = dumps(good_catalog, "bibtex")
    assert text.isascii()
    assert r"Barroso, Luiz Andr{\'e}" in text
    utf8 = dumps(good_catalog, "bibtex", encoding="utf-8")
    assert "Barroso, Luiz André" in utf8


def test_biblatex_keeps_utf8(evil_catalog: Catalog) -> None:
    text = dumps(evil_catalog, "biblatex")
    assert "Dvořák" in text
    assert "日本語のタイトル" in text
    assert "🚀" in text


def test_titles_protect_capitals_and_escape_specials(evil_catalog: Catalog) -> None:
    text = dumps(evil_catalog, "bibtex")
    assert r"100\% of {R\&D} \#1 {\textasciitilde}tilde \$5" in text
    assert r"\{\vphantom{\}}x\vphantom{\{}\}" in text
    assert "{MLOps,} {TFX,} {GPU} and {BERT}" in text
    assert "{Research \\& Development" in text  # an organisation stays one braced name


def test_verbatim_fields_are_not_escaped(evil_catalog: Catalog) -> None:
    text = dumps(evil_catalog, "bibtex")
    assert re.search(
        r"\n  url +=\ {https://example.org/path_with_under%20score\?q=a&b=%3Cc%3E&d=%22e%22#frag~x},", text
    )
    assert re.search(r'\n  doi +=\ {10.1000/a<b>&c"d%25},', text)


def test_unknown_and_mistyped_options_are_refused(good_catalog: Catalog) -> None:
    with pytest.raises(ExportOptionError, match="unknown option colour"):
        dumps(good_catalog, "bibtex", colour="red")
    with pytest.raises(ExportOptionError, match="encoding must be one of ascii, utf-8"):
        dumps(good_catalog, "bibtex", encoding="latin-1")
    with pytest.raises(ExportOptionError, match="must be true or false"):
        dumps(good_catalog, "biblatex", protect_capitals="no")
    plain = dumps(good_catalog, "bibtex", protect_capitals=False)
    assert "title         = {Attention Is All You Need}," in plain


def bibtex_fields(catalog: Catalog) -> dict[str, dict[str, str]]:
    """Each entry's raw fields in the ASCII export, read by bibtexparser."""
    library = bibtexparser.parse_string(dumps(catalog, "bibtex"))
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


def test_ascii_quotes_read_back_as_the_same_quotes(bundled_catalog: Catalog) -> None:
    quoted = [r for r in bundled_catalog.resources if "\u2019" in (r.note or "") + r.title]
    assert quoted
    fields = bibtex_fields(bundled_catalog)
    for r in quoted:
        assert "{\\textquoteright}" in fields[r.id]["note" if "\u2019" in (r.note or "") else "title"]


def test_bibtex_carries_day_container_and_arxiv_for_zotero(bundled_catalog: Catalog) -> None:
    fields = bibtex_fields(bundled_catalog)
    for r in bundled_catalog.resources:
        entry = fields[r.id]
        if r.issued and r.issued.month:
            assert entry["date"] == r.issued.iso(), r.id
        if r.arxiv:
            assert (entry["eprint"], entry["eprinttype"]) == (r.arxiv, "arxiv"), r.id
    misc_with_container = [r for r in bundled_catalog.resources if r.container and r.type != "preprint"]
    misc_with_container = [r for r in misc_with_container if fields[r.id].get("howpublished") is not None]
    assert len(misc_with_container) >= 40
    for r in misc_with_container:
        assert read_back(fields[r.id]["howpublished"]) == comparable(r.container), r.id


def test_biblatex_gives_zotero_every_entry_its_language_and_container(bundled_catalog: Catalog) -> None:
    library = bibtexparser.parse_string(dumps(bundled_catalog, "biblatex"))
    entries = {e.key: e for e in library.entries}
    # the entry types Zotero's BibTeX.js maps to an item type (bibtex2zoteroTypeMap)
    zotero_reads = {
        "article",
        "inproceedings",
        "incollection",
        "book",
        "report",
        "thesis",
        "online",
        "software",
    }
    for r in bundled_catalog.resources:
        entry = entries[r.id]
        fields = {f.key: f.value for f in entry.fields}
        assert entry.entry_type in zotero_reads, r.id
        if r.language:
            assert fields["language"] in {r.language, "english"}, r.id
        if r.container and entry.entry_type == "online":
            assert fields["journaltitle"] == fields["organization"], r.id
            assert read_back(fields["journaltitle"]) == comparable(r.container), r.id


SIGNS = "\u00a2\u00a3\u00a5\u00a7\u00a8\u00a9\u00ac\u00af\u00b4\u00b6\u2021\u201e"  # ¢£¥§¨©¬¯´¶‡„
ROMANIAN = "\u0218\u0219\u021a\u021b"  # ȘșȚț
# What ASCII LaTeX writes as another text: the ligature digraphs and the hyphen as their letters (as Zotero's
# own table does), and three with no LaTeX form this reader reads (a spacing cedilla, o with ogonek and macron).
WRITTEN_AS_OTHER_TEXT = (
    "\u0132\u0133\u01c4\u01c5\u01c6\u01c7\u01c8\u01c9\u01ca\u01cb\u01cc\u01f1\u01f2\u01f3\u2010"
)
NOT_READ_BACK = "\u00b8\u01ec\u01ed"


def _titled(text: str) -> Catalog:
    from mlops_refs.model import CatalogInfo, PartialDate, Resource

    records = [
        Resource(id=f"k{n}", type="book", title=f"Title {char} end", publisher="P", issued=PartialDate(2020))
        for n, char in enumerate(text)
    ]
    return Catalog.build(CatalogInfo(), [], records)


def test_signs_and_romanian_letters_are_ascii_latex_that_reads_back() -> None:
    from mlops_refs import loads

    catalog = _titled(SIGNS + ROMANIAN)
    text = dumps(catalog, "bibtex")
    assert text.isascii()
    assert r"{\textyen}" in text  # not \yen, which LaTeX does not define
    back, _report = loads(text, "bibtex")
    assert [r.title for r in back.resources] == [r.title for r in catalog.resources]


def test_every_latin_letter_and_sign_reads_back_but_the_declared_few() -> None:
    from mlops_refs.text.latex import LatexDecoder, escape

    decoder = LatexDecoder()
    blocks = [(0xA0, 0x250), (0x2000, 0x2070), (0x20A0, 0x20C0), (0x2100, 0x2150), (0x2190, 0x2300)]
    changed = set()
    for start, end in blocks:
        for char in map(chr, range(start, end)):
            if not char.isprintable() or unicodedata.category(char) in ("Cn", "Zs", "Mn"):
                continue
            if decoder.text(escape(f"x{char}y")) != f"x{char}y":
                changed.add(char)
    assert changed == set(WRITTEN_AS_OTHER_TEXT + NOT_READ_BACK)
    for char in WRITTEN_AS_OTHER_TEXT:  # its compatibility form: Ǆ as DŽ, ĳ as ij; the hyphen as '-'
        assert decoder.text(escape(char)) == unicodedata.normalize("NFKC", char).replace("\u2010", "-")


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_space_of_any_width_keeps_the_words_apart(ascii_only: bool) -> None:
    from mlops_refs.text.latex import LatexDecoder, escape

    decoder = LatexDecoder()
    spaces = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Zs"]
    assert len(spaces) == 17
    written = {char: escape(f"two{char}words", ascii_only) for char in spaces}
    # no space pdflatex has no definition for: ASCII, or in UTF-8 the no-break space alone
    assert {char for char, text in written.items() if not text.isascii()} == (
        set() if ascii_only else {"\xa0"}
    )
    assert {decoder.text(text) for text in written.values()} == {"two words"}  # read back as one space
