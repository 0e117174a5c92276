"""The BibTeX and BibLaTeX readers: our own output read back, the real-world corpus, hostile input."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import MISSING, fields, replace
from pathlib import Path

import bibtexparser
import pytest

from conftest import skip_or_fail
from mlops_refs import dumps, loads, read
from mlops_refs.model import PartialDate, Person
from mlops_refs.readers.base import NotThisFormatError
from mlops_refs.readers.bibtex import BIBLATEX_LOST, LOST_FIELDS


def corpus() -> Path:
    value = os.environ.get("MLOPS_REFS_IMPORT_CORPUS")
    if not value or not Path(value, "bibtex").is_dir():
        skip_or_fail("MLOPS_REFS_IMPORT_CORPUS is not set (it names shared/reference/import-corpus)")
    return Path(value) / "bibtex"  # type: ignore[arg-type]


def comparable(resource, lost: frozenset[str], fmt: str, summary_as_abstract: bool = True):
    """A resource with the fields the format cannot carry cleared, as the writer hands them on."""
    cleared = {
        f.name: None if f.default is MISSING else f.default for f in fields(resource) if f.name in lost
    }
    out = replace(resource, **cleared)
    if summary_as_abstract:  # both writers put the one-line summary in `abstract`
        out = replace(out, abstract=resource.summary or resource.abstract)
    if fmt == "bibtex":  # year and month only; text through classic LaTeX escapes
        issued = resource.issued and PartialDate(resource.issued.year, resource.issued.month)
        out = replace(out, issued=issued, title=fold(out.title))
        # a report's publisher is written as its institution
        out = replace(out, institution=out.institution or out.publisher, publisher=None)
    return out


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("‘", "`").replace("’", "'")


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog"])
def test_our_own_files_read_back_equal_but_for_what_the_format_cannot_carry(
    fmt: str, catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    # biblatex has a type for the scholarly kinds, software and data sets (see the next test); others are @online
    lost = LOST_FIELDS if fmt == "bibtex" else BIBLATEX_LOST | {"type"}
    back, report = loads(dumps(catalog, fmt), fmt)
    assert [r.id for r in back.resources] == [r.id for r in catalog.resources]
    got = [comparable(r, lost, fmt) for r in back.resources]
    if fmt == "bibtex":
        got = [replace(r, title=fold(r.title)) for r in got]
    assert got == [comparable(r, lost, fmt) for r in catalog.resources]
    assert report.skipped == 0


def test_biblatex_keeps_full_dates_and_every_type_the_crosswalk_reads_back(bundled_catalog) -> None:
    from mlops_refs.crosswalk import catalog_type, format_type

    back, _ = loads(dumps(bundled_catalog, "biblatex"), "biblatex")
    for before, after in zip(bundled_catalog.resources, back.resources, strict=True):
        assert after.issued == before.issued
        written = format_type(before.type, "biblatex")
        if catalog_type("biblatex", written) == before.type:
            assert after.type == before.type, before.id
        elif before.type == "preprint":  # an @online with an arXiv eprint, pubstate prepublished
            assert after.type == "preprint", before.id


def corpus_files() -> list[Path]:
    folder = os.environ.get("MLOPS_REFS_IMPORT_CORPUS")
    return sorted(Path(folder, "bibtex").glob("*.bib")) if folder else []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_imports_every_entry(path: Path) -> None:
    corpus()
    catalog, report = read(path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    # % lines are comments for biber and JabRef; bibtexparser reads them as text, so drop them for it
    text = re.sub(r"(?m)^[ \t]*%.*$", "", text)
    library = bibtexparser.parse_string(text)
    expected = len(library.entries)
    # bibtexparser gives up on keyless entries (`@article{ author = ...`), which we read
    assert expected <= len(catalog.resources) + report.skipped <= expected + len(library.failed_blocks)
    assert report.read == len(catalog.resources)


def test_corpus_must_be_present_under_strict() -> None:
    corpus()


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_a_corpus_file_written_and_read_again_is_a_fixed_point(path: Path) -> None:
    first, _ = read(path, "biblatex")
    second, _ = loads(dumps(first, "biblatex"), "biblatex")
    # the writer has a type only for the catalog's own kinds (else @online) and a langid for ten languages
    lost = BIBLATEX_LOST | {"type", "language"}
    assert [comparable(r, lost, "biblatex", False) for r in second.resources] == [
        comparable(r, lost, "biblatex", False) for r in first.resources
    ]


def test_jabref_groups_become_the_collection_tree() -> None:
    catalog, report = read(corpus() / "bbt_jabref-groups-717-3.8.bib")
    tree = [(c.title, c.parent_id and catalog.collection(c.parent_id).title) for c in catalog.collections]
    assert tree == [
        ("my-main-group-3", None),
        ("my-subgroup-3", "my-main-group-3"),
        ("sub-sub-group-3", "my-subgroup-3"),
        ("my-other-subgroup-3", "my-main-group-3"),
    ]
    both = catalog.resource("Unkonw-")
    assert [c.title for c in catalog.collections_of(both)] == ["my-subgroup-3", "my-other-subgroup-3"]
    assert report.lines == []


def test_the_report_names_exactly_what_was_not_kept() -> None:
    path = corpus() / "citationjs_string-and-preamble.bib"
    assert [str(line) for line in read(path)[1].lines] == [
        f"{path}:5: title: undefined macro 'bar'; kept as the text 'bar'",
        f"{path}:4: type: @a has no type of its own here; read as a document",
    ]
    path = corpus() / "biber_encoding1_latin9.bib"
    catalog, report = read(path)
    assert report.lines == []
    assert (catalog.resources[0].id, catalog.resources[0].title) == ("testŠ", "Šome title")


def test_macros_concatenation_months_names_and_crossref() -> None:
    text = r"""
% a comment line with @misc{not, an = entry}
@String{ieee = "IEEE"}
@STRING(conf = "Conf. on " # ieee)
@book{parent, title = {The Proceedings}, publisher = ieee, year = 2001}
@InProceedings{child,
  author = {van der Berg, Jr., Hans and {Barnes and Noble} and family=Doe, given=Jane},
  title = {On {DNA} and \"Ubung -- a \emph{study}},
  booktitle = conf # { 2001},
  month = sep, year = {2001},
  crossref = {parent},
  keywords = {a, b; c},
  pages = {1--10},
  eprint = {2011.09926v2}, archivePrefix = {arXiv},
  doi = {https://doi.org/10.1000/XYZ},
  note = undefinedmacro,
  title = {second title},
}
@article{, title = {No key}}
"""
    catalog, report = loads(text, "bibtex")
    child = catalog.resource("child")
    assert child.authors == (
        Person(family="Berg", given="Hans", particle="van der", suffix="Jr."),
        Person(literal="Barnes and Noble"),
        Person(family="Doe", given="Jane"),
    )
    assert child.title == "On DNA and Übung – a study"
    assert child.container == "Conf. on IEEE 2001"
    assert child.publisher == "IEEE"
    assert child.issued == PartialDate(2001, 9)
    assert child.tags == ("a", "b", "c")
    assert (child.pages, child.arxiv, child.doi) == ("1-10", "2011.09926", "10.1000/XYZ")
    assert child.note == "undefinedmacro"
    assert len(catalog) == 3
    assert catalog.resources[2].id == "no-key"
    assert [str(line) for line in report.lines] == [
        "<string>:16: note: undefined macro 'undefinedmacro'; kept as the text 'undefinedmacro'",
        "<string>:17: title: given twice in one entry; the first value is kept",
        "<string>:6: crossref: publisher from 'parent'",
        "<string>:15: doi: 'https://doi.org/10.1000/XYZ' read as '10.1000/XYZ'",
    ]


def test_a_broken_entry_is_skipped_and_the_next_one_read() -> None:
    text = "@article{a, title = {Open brace never closed\n\n@article{b, title = {Fine}}\n"
    catalog, report = loads(text, "bibtex")
    assert [r.id for r in catalog.resources] == ["b"]
    assert report.skipped == 1
    assert report.exit_status == 1


def test_encodings_declared_by_jabref_and_emacs_and_the_cp1252_fallback() -> None:
    latin9 = "% Encoding: ISO-8859-15\n@misc{k, title = {Prix 5€}}\n".encode("iso8859-15")
    assert loads(latin9, "bibtex")[0].resources[0].title == "Prix 5€"
    emacs = "% -*- coding: latin-1 -*-\n@misc{k, title = {Caf\xe9}}\n".encode("latin-1")
    assert loads(emacs, "bibtex")[0].resources[0].title == "Café"
    catalog, report = loads("@misc{k, title = {Caf\xe9}}\n".encode("cp1252"), "bibtex")
    assert catalog.resources[0].title == "Café"
    assert [line.kind for line in report.lines] == ["guessed"]


@pytest.mark.parametrize("data", [b"\x00\xff" * 5000, b"{" * 100000, b"hello world, no entries here"])
def test_foreign_input_is_one_clean_line(data: bytes) -> None:
    with pytest.raises(NotThisFormatError, match="no BibTeX entries") as caught:
        loads(data, "bibtex")
    assert "\n" not in str(caught.value)


def test_a_deeply_nested_unclosed_entry_is_one_skipped_record() -> None:
    catalog, report = loads(b"@misc{" + b"{" * 100000, "bibtex")
    assert (len(catalog), report.skipped) == (0, 1)


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_fields_of_imported_records_survive_a_write_back(fmt: str) -> None:
    from mlops_refs.model import Catalog, CatalogInfo, Resource

    record = Resource(
        id="Müller:2020",
        type="book",
        title="Translated Works",
        translators=(Person(family="Doe", given="Jane"),),
        original_date=PartialDate(1899, 3),
        issued=PartialDate(2020),
        publisher="Verlag",
        issn="1234-5679",
        pmid="31452104",
        pmcid="PMC6712345",
        edition="2",
        series="Lecture Notes",
        chapter="3",
        place="Berlin",
        abstract="What it says.",
        aliases=("mueller2020",),
        extra=(("owner", "klein"), ("timestamp", "2017.09.11")),
    )
    lost = LOST_FIELDS if fmt == "bibtex" else BIBLATEX_LOST
    back, report = loads(dumps(Catalog.build(CatalogInfo(), [], [record]), fmt), fmt)
    assert comparable(back.resources[0], lost, fmt, False) == comparable(record, lost, fmt, False)
    # with no author, the bibtex writer adds a sort key for plain.bst, which is no data of the record
    assert [line.field for line in report.lines] == (["key"] if fmt == "bibtex" else [])


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_pybtex_agrees_on_keys_and_people_where_it_reads_the_file(path: Path) -> None:
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexError

    catalog, _ = read(path)
    try:  # pybtex's strict parser aborts a whole file on its first problem (13 of the corpus files)
        oracle = parse_string(path.read_bytes().decode("utf-8", errors="replace"), "bibtex")
    except PybtexError:
        assert len(catalog) > 0  # where pybtex gives up on the whole file, we still read its entries
        return
    ours = {r.id: r for r in catalog.resources}
    for key, entry in oracle.entries.items():
        if not key.isascii():
            continue  # pybtex saw the bytes as UTF-8 with replacements, we decoded them as declared
        resource = ours[key]
        if "crossref" not in entry.fields:  # pybtex does not resolve crossref by default; we do
            assert len(resource.authors) == len(entry.persons.get("author", [])), key
            assert len(resource.editors) == len(entry.persons.get("editor", [])), key


def test_calibre_tags_and_string_concatenation_keep_their_words() -> None:
    calibre, _ = read(corpus() / "bbt_calibre-tags-2743.bib")
    assert calibre.resources[0].tags == (
        "Minderheiten",
        "Menschenrechte",
        "Ethik",
        "Begründung Menschenrechte",
        "Geschichte",
    )
    concat, _ = read(corpus() / "bbt_string-concat-spaces-1081.bib")
    assert concat.resources[0].container == "a space between this and this"


def test_old_jabref_groupstree_lists_its_members_by_key() -> None:
    text = r"""@article{a, title = {A}}
@article{b, title = {B}}
@comment{jabref-meta: groupstree:
0 AllEntriesGroup:;
1 ExplicitGroup:Top\;0\;a\;;
2 ExplicitGroup:Inner\;0\;a\;b\;;
}
"""
    catalog, report = loads(text, "bibtex")
    assert [(c.title, c.resource_ids) for c in catalog.collections] == [
        ("Top", ("a",)),
        ("Inner", ("a", "b")),
    ]
    assert catalog.collection("inner").parent_id == "top"
    assert report.lines == []


@pytest.mark.consumer
def test_biber_typesets_the_whole_corpus_imported_and_written_back(tmp_path: Path) -> None:
    """Every corpus entry, with what it carries beyond our own data (translators, ids, extra fields...)."""
    from consumers import typeset
    from mlops_refs.importing import conform, merge, read_all
    from mlops_refs.readers.base import Report

    files = [str(p) for p in sorted(corpus().glob("*.bib"))]
    catalog = conform(merge(read_all(files, None)), Report("<import>"))
    result = typeset(tmp_path, dumps(catalog, "biblatex"), biblatex=True)
    assert not re.search(r"^(WARN|ERROR)", result.blg, re.M), result.blg
    assert sorted(re.findall(r"\\entry\{([^}]*)\}", result.bbl)) == sorted(r.id for r in catalog.resources)


def tree_of(catalog) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each collection as its path of titles and its members' ids: what survives renamed collection ids."""
    return [
        (tuple(c.title for c in catalog.path(collection)), collection.resource_ids)
        for collection in catalog.collections
    ]


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_with_jabref_groups_the_collection_tree_survives(
    fmt: str, catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    text = dumps(catalog, fmt, groups=True)
    assert "@Comment{jabref-meta: grouping:\n0 AllEntriesGroup:;\n1 StaticGroup:" in text
    back, report = loads(text, fmt)
    assert tree_of(back) == tree_of(catalog)
    assert report.skipped == 0


def test_group_names_with_commas_and_quoting_characters_read_back() -> None:
    from mlops_refs.model import Catalog, CatalogInfo, Collection, Resource

    names = ["a, b", "semi;colon \\ back", "{brace", "x"]
    collections = [Collection(id=f"c{i}", title=t, kind="folder") for i, t in enumerate(names)]
    record = Resource(id="k", type="document", title="T", collection_ids=("c0", "c1", "c2", "c3"))
    catalog = Catalog.build(CatalogInfo(), collections, [record])
    back, _ = loads(dumps(catalog, "biblatex", groups=True), "biblatex")
    assert [c.title for c in back.collections_of(back.resources[0])] == names


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
@pytest.mark.parametrize("title", ["a -- b --- c", "two '' and `` quotes", "Hola!` ?`", "“curly” ‘too’ – —"])
def test_tex_ligature_pairs_in_text_read_back_as_written(fmt: str, title: str) -> None:
    from mlops_refs.model import Catalog, CatalogInfo, Resource

    record = Resource(id="k", type="book", title=title, note=title, pages="xii-xv")
    back, _ = loads(dumps(Catalog.build(CatalogInfo(), [], [record]), fmt), fmt)
    assert (back.resources[0].title, back.resources[0].note, back.resources[0].pages) == (
        title,
        title,
        "xii-xv",
    )


def test_macros_doubling_each_other_stop_at_a_bound_and_the_rest_is_read() -> None:
    text = '@string{a0 = "xxxxxxxxxx"}\n'
    text += "".join(f"@string{{a{i + 1} = a{i} # a{i}}}\n" for i in range(40))
    text += "@misc{ok, title = {Fine}}\n"
    catalog, report = loads(text, "bibtex")
    assert catalog.resource("ok").title == "Fine"
    assert "<string>:18: @string not read: a17: the value grows beyond 1,000,000 characters" in [
        str(line) for line in report.lines
    ]


def test_an_unclosed_value_stops_at_the_next_entry_whatever_its_depth() -> None:
    catalog, report = loads("@misc{a, title = {{{never closed\n@misc{b, title = {Fine}}\n", "bibtex")
    assert [r.id for r in catalog.resources] == ["b"]
    assert [str(line) for line in report.lines] == [
        "<string>:1: @misc not read: the value runs into the next entry; a closing brace or quote is missing"
    ]
