"""Catalogs from strangers: every trick is refused at validation with a located message, and what the API
builds without validation still cannot break out of a writer's header or blow up its tree."""

from __future__ import annotations

import resource as rlimit
import subprocess
import sys
from pathlib import Path

import bibtexparser
import lxml.html
import pybtex.database
import pytest
import yaml
from lxml import etree

from mlops_refs import CatalogError, dumps, formats, load_catalog
from mlops_refs.errors import ExportError
from mlops_refs.exporters.bibtex import names
from mlops_refs.model import Catalog, CatalogInfo, Collection, Person, Resource

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
INJECTION = 'Refs\n@preamble{"\\input{/etc/hostname}"}\n<!-- x --> & <b>'


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return [str(p) for p in caught.value.problems]


def run_cli(*args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # a runaway expansion then dies of MemoryError instead of taking the machine
        if memory is not None:
            rlimit.setrlimit(rlimit.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,
        env={"MLOPS_REFS_NO_CACHE": "1", "PATH": "/usr/bin:/bin"},
    )


def one_resource_catalog(info: CatalogInfo, **fields: object) -> Catalog:
    """A catalog built through the API, without validation."""
    values = {"title": "T", "url": "https://example.org/", "type": "webpage", **fields}
    resource = Resource(id="r", collection_ids=("c",), **values)  # type: ignore[arg-type]
    return Catalog.build(info, [Collection(id="c", title="C", kind="course")], [resource])


def chain(depth: int) -> str:
    """A catalog whose collections nest ``depth`` deep, with one resource at the bottom."""
    lines = ["collections:", "  - {id: c0, kind: course, title: C0}"]
    lines += [f"  - {{id: c{i}, kind: topic, title: C{i}, parent: c{i - 1}}}" for i in range(1, depth)]
    lines += [
        "resources:",
        f"  - {{id: r, type: webpage, title: R, url: 'https://x.org/', collections: [c{depth - 1}]}}",
    ]
    return "\n".join(lines) + "\n"


# Line breaks in one-line fields, and characters no format can carry


def test_line_breaks_tabs_and_forbidden_characters_are_refused_where_they_stand() -> None:
    f = HOSTILE / "lines.yaml"
    one_line = "write this field on one line"
    cannot = "which no export format can carry; remove it"
    assert problems_of(f) == [
        f"{f}:2:10: catalog.title: contains a line break (U+000A); {one_line}",
        f"{f}:5:34: collections[0].title: contains a line break (U+2028); {one_line}",
        f"{f}:9:12: resources[0].title: contains a tab (U+0009); {one_line}",
        f"{f}:12:24: resources[0].authors[0].family: contains a line break (U+000A); {one_line}",
        f"{f}:13:16: resources[0].container: contains a line break (U+2028); {one_line}",
        f"{f}:14:12: resources[0].tags[0]: contains a line break (U+000A); {one_line}",
        f"{f}:19:12: resources[1].title: contains the noncharacter U+FFFE, {cannot}",
        f"{f}:22:11: resources[1].note: contains the control character U+0085, {cannot}",
        f"{f}:23:16: resources[1].publisher: contains the noncharacter U+10FFFF, {cannot}",
    ]


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_a_catalog_title_cannot_inject_bibtex_through_the_header(fmt: str) -> None:
    catalog = one_resource_catalog(CatalogInfo(title=INJECTION))
    text = dumps(catalog, fmt)
    header = text.split("\n\n")[0].splitlines()
    assert header[0].startswith("% Refs (at)preamble")
    assert header[1].startswith("% Encoding: ")
    assert len(header) == 2
    assert "@" not in text.split("\n@misc{r,")[0].split("\n@online{r,")[0]
    data = pybtex.database.parse_string(text, "bibtex")
    assert (list(data.entries), data.preamble_list) == (["r"], [])
    library = bibtexparser.parse_string(text)
    assert ([e.key for e in library.entries], library.preambles, library.failed_blocks) == (["r"], [], [])


def test_every_writer_keeps_a_hostile_catalog_title_inside_its_construct() -> None:
    plain = one_resource_catalog(CatalogInfo(title="Refs"))
    hostile = one_resource_catalog(CatalogInfo(title=INJECTION))
    xml = etree.XMLParser(resolve_entities=False, no_network=True)
    for fmt in formats():
        text = dumps(hostile, fmt)
        if fmt in {"bibtex", "biblatex", "csl-json", "markdown", "netscape", "ris"}:  # the title adds no line
            assert len(text.splitlines()) == len(dumps(plain, fmt).splitlines()), fmt
            assert "<!-- x -->" not in text or fmt in {"bibtex", "biblatex", "csl-json"}, fmt
        elif fmt == "opml":
            assert etree.fromstring(text.encode(), xml).xpath("/opml/head/title/text()") == [INJECTION]
        elif fmt == "zotero-rdf":
            assert etree.fromstring(text.encode(), xml).tag.endswith("RDF")
        elif fmt == "html-page":
            assert lxml.html.document_fromstring(text.encode()).findtext(".//title") == INJECTION
        elif fmt == "yaml":
            assert yaml.safe_load(text)["catalog"]["title"] == INJECTION
        else:
            pytest.fail(f"no check of the {fmt} writer's header; add one")


def test_ascii_bibtex_turns_unicode_line_separators_into_line_breaks() -> None:
    catalog = one_resource_catalog(CatalogInfo(), note="one\u2028two\u2029three")
    text = dumps(catalog, "bibtex")
    assert text.isascii()
    assert "  note  = {one\ntwo\nthree},\n" in text.replace("note         ", "note  ")


@pytest.mark.parametrize("char", ["\ufffe", "\x0c", "\x85", "\ud800", "\U0001ffff"])
@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_bibtex_writers_refuse_what_they_cannot_carry_naming_the_resource(char: str, fmt: str) -> None:
    catalog = one_resource_catalog(CatalogInfo(), title=f"a{char}b")
    with pytest.raises(ExportError) as caught:
        dumps(catalog, fmt)
    assert str(caught.value) == (
        f"{fmt}: resource r: the character U+{ord(char):04X} cannot be written in a .bib file; remove it"
    )


# YAML anchors and aliases


def test_an_alias_bomb_is_refused_at_its_first_anchor_before_anything_is_expanded() -> None:
    f = HOSTILE / "alias_bomb.yaml"
    assert f.stat().st_size < 491
    result = run_cli("validate", str(f), memory=1 << 30)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == (
        f"{f}:1:4: a: YAML anchor &a found; a catalog uses no anchors or aliases: write each value out in full"
    )


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("collections:\n  - &c {id: c, kind: course, title: C}\n", "2:5: collections[0]", "anchor &c"),
        ("x: [1]\ncollections: [*c]\n", "2:15: collections[0]", "alias *c"),
        ("resources:\n  - <<: *base\n", "2:9: resources[0].<<", "alias *base"),
    ],
)
def test_anchors_and_aliases_are_refused_where_they_stand(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    f = tmp_path / "catalog.yaml"
    f.write_text(text, encoding="utf-8")
    problems = problems_of(f)
    assert problems[-1] == (
        f"{f}:{where}: YAML {what} found; a catalog uses no anchors or aliases: write each value out in full"
    )


def test_deeply_nested_yaml_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("resources: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (problem,) = problems_of(f)
    assert problem.startswith(f"{f}:1:")
    assert "maximum nesting depth" in problem


# A catalog without its `catalog:` block


def test_a_catalog_without_its_catalog_block_gets_the_default_title_everywhere(tmp_path: Path) -> None:
    f = tmp_path / "catalog.yaml"
    f.write_text(
        "collections:\n  - {id: c, kind: course, title: C}\n"
        "resources:\n  - {id: r, type: webpage, title: R, url: 'https://x.org/', collections: [c]}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(f)
    assert catalog.info == CatalogInfo(title="mlops-refs catalog")
    assert (
        dumps(catalog, "bibtex").splitlines()[0] == "% mlops-refs catalog: 1 entries, written by mlops-refs."
    )
    assert "<TITLE>mlops-refs catalog</TITLE>" in dumps(catalog, "netscape")
    assert "<title>mlops-refs catalog</title>" in dumps(catalog, "opml")
    for fmt in formats():
        assert "member" not in dumps(catalog, fmt), fmt


# Deep trees and cycles


def test_a_100000_deep_chain_validates_exports_and_subsets(tmp_path: Path) -> None:
    depth = 100_000
    f = tmp_path / "deep.yaml"
    f.write_text(chain(depth), encoding="utf-8")
    catalog = load_catalog(f)
    assert [d for _c, d in catalog.walk()][-1] == depth - 1
    assert len(catalog.descendants(catalog.collection("c0"))) == depth
    assert len(catalog.path(catalog.collection(f"c{depth - 1}"))) == depth
    subset = catalog.subset(collection="c10")
    assert (len(subset.collections), subset.roots[0].id) == (depth - 10, "c10")
    outputs = {fmt: dumps(catalog, fmt) for fmt in formats()}
    assert outputs["netscape"].count("<DL><p>") == depth + 2
    assert outputs["opml"].count("<outline text=") == depth + 1
    assert outputs["zotero-rdf"].count("<z:Collection ") == depth
    deepest = max(len(line) - len(line.lstrip()) for line in outputs["netscape"].splitlines())
    assert deepest <= 4 * 34  # indentation stops growing, so the file stays linear in the depth


def test_cycles_are_each_reported_once_at_their_first_collection(tmp_path: Path) -> None:
    f = tmp_path / "cycles.yaml"
    f.write_text(
        "collections:\n"
        "  - {id: tail, kind: topic, title: T, parent: b}\n"
        "  - {id: a, kind: week, title: A, parent: b}\n"
        "  - {id: b, kind: week, title: B, parent: c}\n"
        "  - {id: c, kind: week, title: C, parent: a}\n"
        "  - {id: self, kind: week, title: S, parent: self}\n",
        encoding="utf-8",
    )
    advice = "one of them must be a root or have another parent"
    assert problems_of(f) == [
        f"{f}:3:43: collections[1].parent: collections form a cycle: a -> b -> c -> a; {advice}",
        f"{f}:6:46: collections[4].parent: collections form a cycle: self -> self; {advice}",
    ]


def test_a_long_cycle_is_found_in_one_pass_and_shown_shortened(tmp_path: Path) -> None:
    size = 20_000
    f = tmp_path / "loop.yaml"
    f.write_text(
        "collections:\n"
        + "".join(
            f"  - {{id: c{i}, kind: topic, title: C, parent: c{(i + 1) % size}}}\n" for i in range(size)
        ),
        encoding="utf-8",
    )
    (problem,) = problems_of(f)
    assert problem.endswith(
        "collections form a cycle: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> ... (20000 in all); "
        "one of them must be a root or have another parent"
    )


def test_a_tree_built_with_a_loop_through_the_api_is_walked_once() -> None:
    looped = Catalog(
        CatalogInfo(),
        (
            Collection(id="a", title="A", kind="course", child_ids=("b",)),
            Collection(id="b", title="B", kind="week", parent_id="a", child_ids=("a",)),
        ),
        (),
    )
    assert [(c.id, d) for c, d in looped.walk()] == [("a", 0), ("b", 1)]
    assert [c.id for c in looped.descendants(looped.collection("b"))] == ["b", "a"]
    b = looped.collection("b")
    assert [c.id for c in Catalog(CatalogInfo(), (b, Collection("a", "A", "course", "b")), ()).path(b)] == [
        "a",
        "b",
    ]


# Names holding the word "and"


AND_PEOPLE = (
    Person(family="Doe", given="John and Jane"),
    Person(family="Smith", given="Anne", particle="AND"),
    Person(family="Brown", given="Ann", suffix="and Sons"),
    Person(family="Miller and Co", given="Zoe"),
    Person(family="Anderson", given="Sandy"),
)


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_name_parts_holding_the_word_and_are_braced_so_readers_count_the_people(fmt: str) -> None:
    catalog = one_resource_catalog(CatalogInfo(), authors=AND_PEOPLE)
    text = dumps(catalog, fmt)
    entry = pybtex.database.parse_string(text, "bibtex").entries["r"]
    assert len(entry.persons["author"]) == len(AND_PEOPLE)
    assert [" ".join(p.prelast_names + p.last_names) for p in entry.persons["author"]] == [
        "Doe",
        "{AND} Smith",
        "Brown",
        "{Miller and Co}",
        "Anderson",
    ]
    library = bibtexparser.parse_string(
        text, append_middleware=[bibtexparser.middlewares.SeparateCoAuthors()]
    )
    assert len(library.entries[0]["author"]) == len(AND_PEOPLE)
    assert names(AND_PEOPLE, ascii_only=True) == (
        "Doe, {John and Jane} and {AND} Smith, Anne and Brown, {and Sons}, Ann and {Miller and Co}, Zoe "
        "and Anderson, Sandy"
    )


# URLs


def test_urls_with_credentials_bad_ports_or_unicode_hosts_are_refused() -> None:
    f = HOSTILE / "urls.yaml"
    credentials = "remove everything from '//' to '@'"
    assert problems_of(f) == [
        f"{f}:1:31: catalog.homepage: has a user name or password before '@' (it would open example.org); "
        + credentials,
        f"{f}:3:42: collections[0].url: has the port '99999'; a port is a number from 1 to 65535",
        f"{f}:5:47: resources[0].url: has a user name or password before '@' (it would open example.org); "
        + credentials,
        f"{f}:6:47: resources[1].url: has a user name or password before '@' (it would open evil.example); "
        + credentials,
        f"{f}:7:46: resources[2].url: has the port '65536'; a port is a number from 1 to 65535",
        (
            f"{f}:9:46: resources[4].url: has the host name 'bücher.example', which is not ASCII; write the "
            "host name in its IDNA form: xn--bcher-kva.example"
        ),
        (
            f"{f}:10:46: resources[5].url: contains 'ü', which a URL may not hold as is; percent-encode them "
            "(space is %20, ü is %C3%BC)"
        ),
    ]


def test_the_url_scheme_is_case_insensitive(tmp_path: Path) -> None:
    f = tmp_path / "upper.yaml"
    f.write_text(
        "catalog: {title: T, homepage: 'HTTPS://example.org/'}\n"
        "collections:\n  - {id: c, kind: course, title: C, url: 'Http://example.org/c'}\n"
        "resources:\n  - {id: r, type: webpage, title: R, url: 'HTTP://example.org/', collections: [c]}\n",
        encoding="utf-8",
    )
    assert load_catalog(f).resource("r").url == "HTTP://example.org/"


# Empty catalogs


def test_an_empty_file_is_not_a_valid_catalog(tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("# nothing yet\n", encoding="utf-8")
    result = run_cli("validate", str(f))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == (
        f"{f}:1:1: the file is empty; a catalog needs 'collections:' and 'resources:'"
    )


def test_a_folder_of_empty_files_is_not_a_valid_catalog(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    message = (
        "the file is empty, as is every file of the catalog; a catalog needs 'collections:' and 'resources:'"
    )
    assert problems_of(tmp_path) == [f"{tmp_path / name}:1:1: {message}" for name in ("a.yaml", "b.yml")]


def test_blanks_at_either_end_of_a_text_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "blanks.yaml"
    f.write_text(
        "collections:\n  - {id: c, kind: course, title: ' C'}\n"
        "resources:\n  - id: r\n    type: webpage\n    title: R\n    url: https://x.org/\n"
        "    collections: [c]\n    note: |\n      A note ending in a line break.\n",
        encoding="utf-8",
    )
    assert problems_of(f) == [
        f"{f}:2:34: collections[0].title: starts or ends with a blank or a line break; remove it",
        (
            f"{f}:9:11: resources[0].note: starts or ends with a blank or a line break; remove it (end a YAML "
            "block with |- to drop its last line break)"
        ),
    ]


def test_a_capitalised_particle_without_a_given_name_stays_in_the_family_name() -> None:
    person = Person(family="Morgan", particle="De")
    catalog = one_resource_catalog(CatalogInfo(), authors=(person,))
    (read,) = pybtex.database.parse_string(dumps(catalog, "bibtex"), "bibtex").entries["r"].persons["author"]
    assert (read.prelast_names + read.last_names, read.first_names) == (["De", "Morgan"], [])


def test_a_hostile_key_is_quoted_so_each_problem_stays_on_one_line(tmp_path: Path) -> None:
    f = tmp_path / "keys.yaml"
    f.write_text('catalog: {title: T, "x\\n@preamble{y}": 1}\n', encoding="utf-8")
    assert problems_of(f) == [
        (
            f"{f}:1:21: catalog['x\\n@preamble{{y}}']: unknown field 'x\\n@preamble{{y}}'; allowed fields are: "
            "description, homepage, license, maintainers, title, updated, version"
        )
    ]
