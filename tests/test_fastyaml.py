"""The quick YAML read gives the careful reader's data, or declines; every catalog error stays the same."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_refs import fastyaml, load_catalog, parallel
from mlops_refs.bundled import catalog_files
from mlops_refs.characters import text_problem
from mlops_refs.errors import CatalogError
from mlops_refs.yamlio import read_yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = (1, 2, 3)

# Texts on which YAML 1.1 (PyYAML, the careful reader) and YAML 1.2 (yaml-rs) disagree, or that the
# careful reader refuses: the quick read must decline each, or give the careful reader's data.
TRICKY = {
    "yes": "a: yes\n",
    "on": "a: on\n",
    "quoted yes": 'a: "yes"\n',
    "octal": "a: 017\n",
    "octal in flow": "a: [1,017]\n",
    "octal in a flow list over lines": "a: [1,\n 2,017]\n",
    "alias in a flow list over lines": "a: [1,\n 2,&x 3,*x]\n",
    "alias in flow": "a: [1,&x 2, *x]\n",
    "negative octal": "a: -017\n",
    "octal after a colon in flow": "a: {b:017}\n",
    "octal after a quoted key in flow": 'a: {"b":017}\n',
    "octal after a colon in a flow list": "a: [b:017]\n",
    "octal after a colon in a flow mapping over lines": "a: {c: 1,\n b:017}\n",
    "zero after a colon in a string": 'a: "arXiv:0809.2859"\nb: c:017\n',
    "octal item": "a:\n- 017\n",
    "anchor in a flow mapping": "a: {b: &x 1, c: *x}\n",
    "prose": 'a: "R&D, 581,012 items*, 2019-05-01!"\n',
    "0o": "a: 0o17\n",
    "underscores": "a: 1_000\n",
    "base 60": "a: 1:20\n",
    "quoted date": 'a: "2026-01-15"\n',
    "plain date": "a: 2026-01-15\n",
    "1e3": "a: 1e3\n",
    "quoted float": 'a: "1.0"\n',
    "inf": "a: .inf\n",
    "null": "a: ~\n",
    "empty": "a:\n",
    "quoted empty": 'a: ""\n',
    "int key": "1: a\n",
    "yes key": "yes: a\n",
    "duplicate": "a: 1\na: 2\n",
    "alias": "a: &x 1\nb: *x\n",
    "tag": "a: !foo 1\n",
    "str tag": "a: !!str 1\n",
    "merge": "a: {b: 1}\nc:\n  <<: {b: 2}\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "escaped control": 'a: "x\\x07"\n',
    "raw control": "a: x\x07\n",
    "tab": "a:\tb\n",
    "carriage return": "a: b\r\nc: d\r\n",
    "byte-order mark": "\ufeffa: 1\n",
    "line separator": "a: x\u2028y\n",
    "allowed but not printable": "a: x\xa0y\u200bz\ue000\n",
    "next line escape": 'a: "x\\N"\n',
    "escapes": 'a: "\\u00e9\\t\\\\ \\/ \\""\n',
    "folded": "a: >-\n  p\n  q\n\n  r\nb: |\n  x\n   y\n",
    "plain multi-line": "a: one\n  two\n\n  three\n",
    "single quotes": "a: 'it''s'\n",
    "flow": "a: {b: [1, two, 'three'], c: null}\n",
    "list root": "- a\n- b\n",
    "scalar root": "just text\n",
    "comment only": "# nothing\n",
    "syntax error": "a: [1, 2\n",
}


def careful(text: str) -> object:
    """The careful reader's data, or the marker of its problems."""
    doc, problems = read_yaml("f.yaml", text)
    return ("problems", [p.message for p in problems]) if problems else doc.data


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Catalog folders written by the benchmark's generator, one per seed."""
    folders = []
    for seed in SEEDS:
        out = tmp_path_factory.mktemp(f"seed{seed}")
        cmd = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--size", "300", "--seed", str(seed)]
        subprocess.run([*cmd, "--per-file", "100", "--out", str(out)], check=True, capture_output=True)
        folders.append(out)
    return folders


def catalog_texts(generated: list[Path]) -> list[tuple[str, str]]:
    """(name, text) of every catalog file the tests and the bundled catalog hold, and of the generated ones."""
    files = [*catalog_files(None), *sorted(FIXTURES.rglob("*.yaml"))]
    for folder in generated:
        files += catalog_files(folder)
    return [(str(f), f.read_text(encoding="utf-8")) for f in files]


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_text_is_declined_or_read_alike(name: str) -> None:
    text = TRICKY[name]
    quick = fastyaml.quick_load(text)
    assert quick is None or quick == careful(text), name


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_the_quick_read_of_the_utf8_bytes_is_that_of_the_text(name: str) -> None:
    text = TRICKY[name]
    assert fastyaml.quick_read(text, text.encode("utf-8")) == fastyaml.quick_read(text)


def test_tricky_texts_that_must_be_declined_are() -> None:
    must_decline = [n for n, t in TRICKY.items() if careful(t) != yaml_12(t)]
    expected = {"yes", "octal", "octal in flow", "negative octal", "octal item", "0o", "1e3", "duplicate"}
    expected |= {"octal after a quoted key in flow"}
    assert expected | {"alias", "alias in flow", "anchor in a flow mapping", "tag", "merge"} <= set(
        must_decline
    )
    assert [n for n in must_decline if fastyaml.quick_load(TRICKY[n]) is not None] == []


def test_a_colon_outside_flow_does_not_send_a_text_to_the_careful_reader() -> None:
    assert fastyaml.quick_load(TRICKY["zero after a colon in a string"]) == {
        "a": "arXiv:0809.2859",
        "b": "c:017",
    }


def test_no_printable_character_is_one_the_careful_reader_refuses() -> None:
    # the quick scan for refused characters trusts str.isprintable where it can: this must hold for all
    printable = (chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable())
    assert [c for c in printable if fastyaml._REFUSED_CHARACTER.match(c)] == []


def test_characters_that_are_allowed_but_not_printable_still_read_quickly() -> None:
    text = TRICKY["allowed but not printable"]
    assert fastyaml.quick_load(text) == careful(text) == {"a": "x\xa0y\u200bz\ue000"}


def test_deep_nesting_is_declined_before_yaml_rs_sees_it() -> None:
    # yaml-rs recurses per level of block nesting: at 20,000 levels its stack overflows and the process dies
    code = (
        "from mlops_refs.fastyaml import quick_load\n"
        "text = ''.join(' ' * i + 'k:\\n' for i in range(20000))\n"
        "print(quick_load(text))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout) == (0, "None\n"), done.stderr


def yaml_12(text: str) -> object:
    """What yaml-rs alone makes of ``text`` (its error's name when it refuses it)."""
    try:
        return fastyaml.yaml_rs.loads(text, parse_datetime=False)
    except Exception as exc:
        return type(exc).__name__


def test_every_catalog_file_reads_alike_and_quickly(generated: list[Path]) -> None:
    declined = []
    for name, text in catalog_texts(generated):
        quick = fastyaml.quick_load(text)
        if quick is None:
            declined.append(name)
        else:
            assert quick == careful(text), name
        assert fastyaml.quick_read(text, text.encode("utf-8")) == fastyaml.quick_read(text), name
    # the bundled and generated catalogs are clean: the quick read takes every file of them
    assert [name for name in declined if "fixtures" not in name] == []


def test_catalogs_load_the_same_by_either_reader(
    generated: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [None, FIXTURES / "good", FIXTURES / "evil", *generated]
    quick = [load_catalog(path) for path in paths]
    monkeypatch.setattr(fastyaml, "yaml_rs", None)
    assert [load_catalog(path) for path in paths] == quick


BAD = sorted([*FIXTURES.glob("bad/*.yaml"), *FIXTURES.glob("hostile/*.yaml")])


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_catalogs_get_the_same_messages_by_either_reader(path: Path) -> None:
    with pytest.raises(CatalogError) as quick:
        load_catalog(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fastyaml, "yaml_rs", None)
        with pytest.raises(CatalogError) as slow:
            load_catalog(path)
    assert str(quick.value) == str(slow.value)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_catalogs_get_the_same_answer_by_either_reader(name: str, tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("collections: []\nresources: []\nextra:\n  " + TRICKY[name].replace("\n", "\n  "))
    answers = []
    for off in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if off:
                mp.setattr(fastyaml, "yaml_rs", None)
            try:
                answers.append(repr(load_catalog(file)))
            except CatalogError as exc:
                answers.append(str(exc))
    assert answers[0] == answers[1]


# Catalog texts the quick read takes whose texts break the character rule, or look as if they might: the one
# walk over the quick read's data must find each problem that validation's own walk would have found.
RULE_TEXTS = {
    "blank at the end": ("title: 'x '", False),
    "blank at the start": ("title: ' x'", False),
    "no-break space at the end": ('title: "x\\_"', False),
    "line break in a one-line field": ("title: |-\n    a\n    b", False),
    "final line break kept": ("title: x\n  summary: |\n    a", False),
    "escaped control": ('title: "x\\x07"', False),
    "escaped tab in a one-line field": ('title: "a\\tb"', False),
    "escaped line separator": ('title: "a\\Lb"', False),
    "noncharacter": ("title: a\ufdd0", False),
    "noncharacter in an extra field": ('title: x\n  extra: {k: "a\\uFFFE"}', False),
    "line break in a note": ("title: x\n  note: |-\n    a\n    b", True),
    "the same text in a note, then in a title": ("note: |-\n    a\n    b\n  title: |-\n    a\n    b", False),
    "tab in an extra field": ('title: x\n  extra: [{name: k, value: "a\\tb"}]', True),
    "allowed but not printable": ("title: a\xa0b\u200bc", True),
}


@pytest.mark.parametrize("name", sorted(RULE_TEXTS))
def test_the_quick_read_finds_every_text_that_breaks_the_character_rule(name: str, tmp_path: Path) -> None:
    field, keeps_rule = RULE_TEXTS[name]
    file = tmp_path / "c.yaml"
    file.write_text(f"resources:\n- id: a\n  type: webpage\n  {field}\n", encoding="utf-8")
    read = fastyaml.quick_read(file.read_text(encoding="utf-8"))
    assert read is not None  # taken by the quick read
    assert read[1] is keeps_rule  # and judged as stated
    answers = []
    for quick in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            if not quick:
                mp.setattr(fastyaml, "yaml_rs", None)
            try:
                answers.append(("loaded", repr(load_catalog(file))))
            except CatalogError as exc:
                answers.append(("refused", str(exc)))
    assert answers[0] == answers[1]  # the careful reader's answer, word for word
    assert answers[0][0] == ("loaded" if keeps_rule else "refused"), answers[0][1]


def test_a_printable_text_without_blanks_at_its_ends_keeps_the_character_rule() -> None:
    # the quick read asks text_problem only about the other texts: this must hold for every character
    for code in range(sys.maxunicode + 1):
        for text in (chr(code), f"a{chr(code)}b"):
            if text.strip() is text and text.isprintable():
                assert text_problem(text) is None, hex(code)


def load_in_one_and_two_processes(path: Path | None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """What loading ``path`` gives (the catalog's repr, or the error) with every file read here, and with
    the files shared with a second process whatever their size."""
    answers = []
    for shared in (False, True):
        with monkeypatch.context() as mp:
            mp.setattr(parallel, "ENABLED", shared)
            mp.setattr(parallel, "MIN_SHARED_SIZE", 0)
            try:
                answers.append(repr(load_catalog(path)))
            except CatalogError as exc:
                answers.append(str(exc))
    return answers[0], answers[1]


def test_catalogs_load_the_same_in_one_process_or_two(
    generated: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in [None, FIXTURES / "good", FIXTURES / "evil", *generated, *BAD]:
        alone, shared = load_in_one_and_two_processes(path, monkeypatch)
        assert shared == alone, path


def test_files_the_quick_read_declines_are_read_carefully_in_either_process(
    generated: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(generated[0], folder)
    files = sorted(folder.rglob("*.yaml"))
    # files[1] stays with this process, the last file goes to the other one: each gets a text to decline
    for file in (files[1], files[-1]):
        file.write_text(
            file.read_text().replace("resources:\n", "resources: # a comment\n", 1) + "# &anchor\n"
        )
    assert fastyaml.quick_load(files[-1].read_text()) is None
    alone, shared = load_in_one_and_two_processes(folder, monkeypatch)
    assert shared == alone
    assert alone.startswith("Catalog(")
    files[-1].write_bytes(files[-1].read_bytes() + b"\xff")  # not UTF-8: an error, located the same way
    alone, shared = load_in_one_and_two_processes(folder, monkeypatch)
    assert shared == alone
    assert "not valid UTF-8" in alone
