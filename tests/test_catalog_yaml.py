"""The catalog's own YAML writer: what load_catalog reads back equal, in the shape a person writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mlops_refs import load_catalog, parallel
from mlops_refs.catalogedit import resource_yaml
from mlops_refs.exporters import dumps
from mlops_refs.readers import catalog_yaml
from mlops_refs.readers.catalog_yaml import CatalogYamlExporter, folder_files, resource_lines, scalar

FIXTURES = Path(__file__).parent / "fixtures"


def write_folder(catalog, folder: Path) -> None:
    for name, text in folder_files(catalog).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_a_catalog_written_as_a_folder_loads_back_equal(
    catalog_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    write_folder(catalog, tmp_path)
    assert load_catalog(tmp_path) == catalog
    (tmp_path / "one.yaml").write_text(dumps(CatalogYamlExporter(), catalog), encoding="utf-8")
    assert load_catalog(tmp_path / "one.yaml") == catalog


def test_the_folder_has_the_shape_of_data(bundled_catalog) -> None:
    files = folder_files(bundled_catalog)
    assert sorted(files) == ["catalog.yaml", "resources/001-mlep.yaml"]
    text = files["resources/001-mlep.yaml"]
    assert "      - {family: Sculley, given: D.}\n" in text
    assert '    issued: "2015"\n' in text
    assert '    title: "Hidden Technical Debt in Machine Learning Systems"\n' in text  # quoted, as in data/
    assert files["catalog.yaml"].startswith("catalog:\n  title: MLOps course references\n")


def test_a_long_run_of_resources_goes_into_files_of_file_resources(
    bundled_catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_yaml, "FILE_RESOURCES", 40)
    files = folder_files(bundled_catalog)
    count = len(bundled_catalog.resources)
    names = [f"resources/{n:03d}-mlep.yaml" for n in range(1, -(-count // 40) + 1)]
    assert sorted(files) == ["catalog.yaml", *names]
    resources_in = [files[name].count("\n  - id: ") for name in names]
    assert resources_in == [min(40, count - 40 * n) for n in range(len(names))]
    write_folder(bundled_catalog, tmp_path)
    assert load_catalog(tmp_path) == bundled_catalog


def test_the_folder_written_in_two_processes_is_the_one_written_in_one(
    bundled_catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_yaml, "FILE_RESOURCES", 20)
    monkeypatch.setattr(parallel, "ENABLED", False)
    alone = folder_files(bundled_catalog)
    monkeypatch.setattr(parallel, "ENABLED", True)
    monkeypatch.setattr(catalog_yaml, "_SHARED_RESOURCES", 0)
    assert folder_files(bundled_catalog) == alone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("2015", '"2015"'),
        ("no", '"no"'),
        ("null", '"null"'),
        ("1.5", '"1.5"'),
        ("2020-01-02", '"2020-01-02"'),
        ("- item", '"- item"'),
        ("key: value", '"key: value"'),
        ("a #comment", '"a #comment"'),
        ("line\nbreak", '"line\\nbreak"'),
        (" padded", '" padded"'),
        ("", '""'),
    ],
)
def test_strings_are_quoted_only_when_yaml_needs_it(text: str, expected: str) -> None:
    assert scalar(text) == expected


@given(st.text())
def test_any_string_reads_back_equal(text: str) -> None:
    assert yaml.safe_load(f"k: {scalar(text)}\n") == {"k": text}
    assert yaml.safe_load(f"k: [{scalar(text, flow=True)}]\n") == {"k": [text]}


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_the_writer_and_the_in_place_editor_render_a_resource_alike(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    for r in catalog.resources:
        assert "\n".join(resource_lines(r)) == f"  - {resource_yaml(r)}"


def test_extra_is_one_list_of_name_and_value(good_catalog) -> None:
    r = replace(good_catalog.resources[0], extra=(("owner", "me"), ("file", "a: b.pdf"), ("owner", "you")))
    text = "\n".join(resource_lines(r))
    assert '    extra:\n      - {name: owner, value: me}\n      - {name: file, value: "a: b.pdf"}\n' in text
    assert f"  - {resource_yaml(r)}" == text
    assert yaml.safe_load(text)[0]["extra"] == [
        {"name": "owner", "value": "me"},
        {"name": "file", "value": "a: b.pdf"},
        {"name": "owner", "value": "you"},
    ]


def test_plain_scalar_tags_match_pyyaml_resolve_for_every_first_character() -> None:
    from mlops_refs.readers import catalog_yaml

    resolver, node = catalog_yaml._resolver()
    texts = ["", "yes", "No", "~", "null", "2015", "0x1F", "1_000", "1:20", "-1", "+1", ".inf", "<<", "="]
    texts += [chr(c) + rest for c in range(0x20, 0x250) for rest in ("", "es", "123", ".5", "ull", " x")]
    got = {t: catalog_yaml._implicit_tag(t) for t in texts}
    assert got == {t: str(resolver.resolve(node, t, (True, False))) for t in texts}


def read_with(text: str, monkeypatch: pytest.MonkeyPatch, quick: bool) -> object:
    """What the catalog YAML reader gives for ``text``: its catalog, or the text of its error."""
    from mlops_refs import fastyaml
    from mlops_refs.errors import MlopsRefsError
    from mlops_refs.readers.base import Report

    with monkeypatch.context() as patched:
        if not quick:
            patched.setattr(fastyaml, "yaml_rs", None)  # the careful reader reads everything
        try:
            return catalog_yaml.CatalogYamlReader().read(text.encode("utf-8"), Report("library.yaml"))
        except MlopsRefsError as error:
            return str(error)


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_the_reader_reads_quickly_what_it_reads_carefully(
    catalog_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_refs import fastyaml, yamlio

    catalog = request.getfixturevalue(catalog_name)
    text = dumps(CatalogYamlExporter(), catalog)
    assert fastyaml.quick_read(text) is not None  # the file is one the quick read takes
    carefully = read_with(text, monkeypatch, quick=False)
    monkeypatch.setattr(yamlio, "read_yaml", None)  # the quick read alone: the careful reader is not asked
    assert read_with(text, monkeypatch, quick=True) == carefully == catalog


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "bad").glob("*.yaml")))
def test_the_reader_words_every_problem_alike_on_either_path(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / "bad" / name).read_text(encoding="utf-8")
    quickly, carefully = read_with(text, monkeypatch, quick=True), read_with(text, monkeypatch, quick=False)
    assert isinstance(carefully, str)
    assert quickly == carefully
