"""A format added by a separately installed distribution, through the entry-point group, with no change here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlops_refs.exporters import Registry, default_registry
from mlops_refs.exporters.ris import RisExporter

BUILT_IN = default_registry.classes()

PLUGIN_MODULE = '''
"""A third-party exporter: a plain-text reading list."""
from mlops_refs.exporters import BaseExporter


class PlainTextExporter(BaseExporter):
    name = "plaintext"
    aliases = ("txt",)
    extension = ".txt"
    media_type = "text/plain"
    description = "A plain-text reading list."
    default_filename = "reading-list.txt"

    def write(self, catalog, stream):
        for resource in catalog.resources:
            stream.write(f"{resource.title} <{resource.url}>\\n")
'''

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "mlops-refs-plaintext"
version = "1.0"

[project.entry-points."mlops_refs.exporters"]
plaintext = "mlops_refs_plaintext:PlainTextExporter"

[tool.hatch.build.targets.wheel]
include = ["mlops_refs_plaintext.py"]
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("plugin-src")
    (src / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT), encoding="utf-8")
    (src / "mlops_refs_plaintext.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(src),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return target


def run_with(plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, check=False)


def test_installed_plugin_is_listed_and_used_by_the_cli(plugin_path: Path) -> None:
    formats = run_with(plugin_path, "-m", "mlops_refs", "formats")
    assert "plaintext (alias txt)  reading-list.txt  text/plain" in formats.stdout
    good = str(Path(__file__).parent / "fixtures" / "good")
    result = run_with(plugin_path, "-m", "mlops_refs", "export", "--catalog", good, "-f", "txt", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Attention Is All You Need <https://arxiv.org/abs/1706.03762>"
    assert len(result.stdout.splitlines()) == 12


def test_installed_plugin_is_seen_by_the_python_api(plugin_path: Path) -> None:
    code = "import mlops_refs; print(mlops_refs.formats()); print(mlops_refs.get_exporter('txt').extension)"
    result = run_with(plugin_path, "-c", code)
    names = [
        "biblatex",
        "bibtex",
        "csl-json",
        "html-page",
        "markdown",
        "netscape",
        "opml",
        "plaintext",
        "ris",
        "yaml",
    ]
    assert result.stdout.splitlines() == [str([*names, "zotero-rdf"]), ".txt"]


def test_a_plugin_that_fails_to_import_does_not_hide_the_others(tmp_path: Path) -> None:
    dist = tmp_path / "broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.exporters]\nbroken = no_such_module:X\n", encoding="utf-8"
    )
    formats = run_with(tmp_path, "-m", "mlops_refs", "formats")
    assert formats.returncode == 0
    assert "bibtex" in formats.stdout
    good = str(Path(__file__).parent / "fixtures" / "good")
    result = run_with(tmp_path, "-m", "mlops_refs", "export", "--catalog", good, "-f", "broken", "-o", "-")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "mlops-refs: error: the broken exporter failed to load (ModuleNotFoundError"
    )


def test_a_registry_can_be_built_from_classes_for_tests() -> None:
    registry = Registry([RisExporter])
    assert registry.names() == ["ris"]
    assert registry.get("ris").name == "ris"


def test_remembered_entry_points_follow_what_is_installed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    first = run_with(site, "-m", "mlops_refs", "formats")
    assert not any(line.startswith("late") for line in first.stdout.splitlines())
    dist = site / "late-1.0.dist-info"  # installed after the list was remembered
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: late\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.exporters]\nlate = mlops_refs.exporters.ris:RisExporter\n", encoding="utf-8"
    )
    code = "from mlops_refs.plugins import entry_points_of; print(entry_points_of('mlops_refs.exporters'))"
    listed = run_with(site, "-c", code).stdout
    assert "('late', 'mlops_refs.exporters.ris:RisExporter')" in listed


BROKEN_PLUGINS = '''
from mlops_refs.exporters import BaseExporter


class NoFilename(BaseExporter):
    """Forgets default_filename."""

    name = "nofilename"
    extension = ".txt"
    media_type = "text/plain"
    description = "Missing an attribute."

    def write(self, catalog, stream):
        stream.write("never\\n")


class Raising(BaseExporter):
    """Fails half-way through writing."""

    name = "raising"
    extension = ".txt"
    media_type = "text/plain"
    description = "Raises in write."
    default_filename = "raising.txt"

    def write(self, catalog, stream):
        stream.write("half of the output\\n")
        raise RuntimeError("disk on fire")
'''


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "brokenplugins.py").write_text(BROKEN_PLUGINS, encoding="utf-8")
    dist = site / "brokenplugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: brokenplugins\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.exporters]\nnofilename = brokenplugins:NoFilename\nraising = brokenplugins:Raising\n",
        encoding="utf-8",
    )
    return site


def test_a_plugin_missing_an_attribute_is_reported_and_the_others_listed(broken_site: Path) -> None:
    formats = run_with(broken_site, "-m", "mlops_refs", "formats")
    assert (formats.returncode, formats.stderr) == (
        0,
        (
            "mlops-refs: warning: the nofilename exporter failed to load (brokenplugins:NoFilename: its "
            "default_filename is missing or not a str); skipped\n"
        ),
    )
    assert "raising  raising.txt  text/plain" in formats.stdout
    assert "bibtex (alias bib)  mlops-refs.bib" in formats.stdout


def test_a_plugin_whose_write_raises_does_not_block_the_others(broken_site: Path, tmp_path: Path) -> None:
    good = str(Path(__file__).parent / "fixtures" / "good")
    out = tmp_path / "out"
    out.mkdir()
    (out / "raising.txt").write_text("previous\n", encoding="utf-8")
    result = run_with(broken_site, "-m", "mlops_refs", "export", "--catalog", good, "--out", str(out))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("wrote ")]
    assert errors == [
        (
            "mlops-refs: error: the nofilename exporter failed to load (brokenplugins:NoFilename: its "
            "default_filename is missing or not a str); its file was left as it was"
        ),
        "mlops-refs: error: the raising exporter failed: RuntimeError: disk on fire; its file was left as it was",
    ]
    assert (out / "raising.txt").read_text(encoding="utf-8") == "previous\n"
    from mlops_refs import dumps, load_catalog

    catalog = load_catalog(good)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(c.default_filename for c in BUILT_IN), "raising.txt"]
    )
    for cls in BUILT_IN:
        assert (out / cls.default_filename).read_text(encoding="utf-8") == dumps(catalog, cls.name)
    alone = run_with(broken_site, "-m", "mlops_refs", "export", "--catalog", good, "-f", "raising", "-o", "-")
    assert (alone.returncode, alone.stderr) == (
        1,
        "mlops-refs: error: the raising exporter failed: RuntimeError: disk on fire; its file was left as it was\n",
    )


HIJACK = '''
from mlops_refs.exporters import BaseExporter


class Hijack(BaseExporter):
    """Claims the built-in BibTeX format's name, alias and extension."""

    name = "bibtex"
    aliases = ("bib",)
    extension = ".bib"
    media_type = "text/plain"
    description = "Not the BibTeX writer."
    default_filename = "mlops-refs.bib"

    def write(self, catalog, stream):
        stream.write("not BibTeX\\n")


class Tenant(BaseExporter):
    """Its own format, but the alias and extension of built-ins."""

    name = "tenant"
    aliases = ("bib",)
    extension = ".json"
    media_type = "text/plain"
    description = "Shares a built-in's alias and extension."
    default_filename = "tenant.txt"

    def write(self, catalog, stream):
        stream.write("tenant\\n")
'''


def test_a_plugin_never_stands_in_for_a_built_in_format(tmp_path: Path) -> None:
    """Its entry point sorts before the built-in's: still, the built-in writes, and the plugin is named."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "hijack.py").write_text(HIJACK, encoding="utf-8")
    dist = site / "hijack-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hijack\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.exporters]\naaa = hijack:Hijack\naab = hijack:Tenant\n", encoding="utf-8"
    )
    good = str(Path(__file__).parent / "fixtures" / "good")
    from mlops_refs import dumps, load_catalog

    bibtex = dumps(load_catalog(good), "bibtex")
    for name in ("bibtex", "bib"):
        result = run_with(site, "-m", "mlops_refs", "export", "--catalog", good, "-f", name, "-o", "-")
        assert (result.returncode, result.stdout) == (0, bibtex)
    out = tmp_path / "out.json"
    converted = run_with(site, "-m", "mlops_refs", "convert", str(Path(good) / "catalog.yaml"), str(out))
    assert converted.returncode == 0, converted.stderr
    assert out.read_text(encoding="utf-8") == dumps(load_catalog(good), "csl-json")
    formats = run_with(site, "-m", "mlops_refs", "formats")
    assert formats.stderr == (
        "mlops-refs: warning: the aaa exporter failed to load (hijack:Hijack: the format name 'bibtex' is "
        "taken by mlops_refs.exporters.bibtex:BibTeXExporter); skipped\n"
    )
    assert "tenant (alias bib)  tenant.txt" in formats.stdout
