"""A reader added by a separately installed distribution, through the mlops_refs.readers entry points."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_MODULE = '''
"""A third-party reader: a Markdown reading list, one "- [title](url)" line a link."""
import re

from mlops_refs.readers.builder import CatalogBuilder

LINK = re.compile(r"^- \\[(.+)\\]\\((https?://[^)]+)\\)$", re.MULTILINE)


class MarkdownReader:
    name = "markdown"
    aliases = ("md",)
    extensions = (".md",)

    def sniff(self, head):
        return LINK.search(head) is not None

    def read(self, data, report):
        builder = CatalogBuilder(report)
        for match in LINK.finditer(data.decode("utf-8")):
            builder.add({"type": "webpage", "title": match[1], "url": match[2]}, None)
        return builder.build()
'''

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "mlops-refs-markdown-reader"
version = "1.0"

[project.entry-points."mlops_refs.readers"]
markdown = "mlops_refs_markdown_reader:MarkdownReader"

[tool.hatch.build.targets.wheel]
include = ["mlops_refs_markdown_reader.py"]
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("reader-plugin-src")
    (src / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (src / "mlops_refs_markdown_reader.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    target = tmp_path_factory.mktemp("reader-site")
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--target", str(target), str(src)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return target


def run_with(plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, check=False)


def test_an_installed_reader_converts_by_extension_and_by_alias(plugin_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text("# Reading\n\n- [Hidden debt](https://example.org/debt)\n", encoding="utf-8")
    result = run_with(plugin_path, "-m", "mlops_refs", "convert", str(source), "-", "-t", "ris")
    assert result.returncode == 0, result.stderr
    assert "TI  - Hidden debt\nUR  - https://example.org/debt\n" in result.stdout
    code = f"import mlops_refs; c, r = mlops_refs.read({str(source)!r}, 'md'); print(c.resources[0].url)"
    assert run_with(plugin_path, "-c", code).stdout == "https://example.org/debt\n"


def test_a_reader_plugin_claiming_a_built_in_name_is_named_and_not_used(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "impostor.py").write_text(
        "class Impostor:\n"
        "    name = 'bibtex'\n"
        "    extensions = ('.bib',)\n"
        "    def sniff(self, head):\n"
        "        return True\n"
        "    def read(self, data, report):\n"
        "        raise RuntimeError('not the BibTeX reader')\n",
        encoding="utf-8",
    )
    dist = site / "impostor-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: impostor\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.readers]\naaa = impostor:Impostor\n", encoding="utf-8"
    )
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{k, title = {A title}, url = {https://example.org/a}}\n", encoding="utf-8")
    code = (
        "from mlops_refs.readers.registry import default_registry as r; import mlops_refs; "
        f"print(mlops_refs.read({str(bib)!r})[0].resources[0].title); print(r.names()); print(r.broken)"
    )
    result = run_with(site, "-c", code)
    assert result.returncode == 0, result.stderr
    title, names, broken = result.stdout.splitlines()
    assert title == "A title"
    assert "bibtex" in names
    assert broken == (
        "{'aaa': \"impostor:Impostor: the format name 'bibtex' is taken by "
        'mlops_refs.readers.bibtex:BibTeXReader"}'
    )
