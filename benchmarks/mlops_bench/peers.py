"""What our stages are compared with: other tools doing the same job (pandoc, bibtexparser, pybtex) and
floors no implementation can beat (json.dumps, json.loads, lxml, html.parser), each on the same data.

Each in-process peer is timed interleaved with the stage of ours it is compared with (passed in as
``ours``), whose figures then replace earlier ones: both sides of a ratio see the same machine load.
"""

from __future__ import annotations

import copy
import json
import logging
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .measure import BenchError, ProcessRun, Recorder, Stage, run_process, sample, summarise

# all_exports samples taken after each pandoc run: pandoc's run is ten times longer and so averages over the
# machine's slow and fast spells, which one short sample of ours would not.
EXPORTS_PER_PANDOC_RUN = 3

Row = tuple[int, str, str | None, dict[str, str], dict[str | None, str]]


def json_loads_stage(catalog_dir: Path) -> Stage:
    """``json.loads`` of the catalog's files as JSON: the floor a cold load is compared with."""
    from mlops_refs.catalog import parse_catalog

    docs, _ = parse_catalog(catalog_dir)
    texts = [json.dumps(doc.data, ensure_ascii=False) for doc in docs]

    def loads() -> None:
        for text in texts:
            json.loads(text)

    return Stage(loads)


def json_settings(text: str) -> tuple[int | None, bool]:
    """The indent and ensure_ascii that json.dumps needs to write ``text`` as it is.

    >>> json_settings('[\\n  {\\n    "a": "é"\\n  }\\n]')
    (2, False)
    """
    lines = text.split("\n", 2)
    indent = len(lines[1]) - len(lines[1].lstrip(" ")) if len(lines) > 1 else None
    return indent, text.isascii()


def json_dumps_floor(rec: Recorder, csl: str, ours: dict[str, Stage]) -> None:
    """``json_dumps_csl``: json.dumps of our CSL items, as our CSL-JSON export writes them."""
    items = json.loads(csl)
    indent, ensure_ascii = json_settings(csl)
    rec.time(
        {**ours, "json_dumps_csl": Stage(lambda: json.dumps(items, indent=indent, ensure_ascii=ensure_ascii))}
    )


def lxml_floors(rec: Recorder, fmt: str, xml: str, ours: dict[str, Stage]) -> None:
    """``lxml_tostring_<fmt>`` (serialising our tree, parsed untimed) and ``lxml_build_<fmt>`` (building and
    serialising it)."""
    from lxml import etree

    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    key = fmt.replace("-", "_")
    rec.time(
        {
            **ours,
            f"lxml_tostring_{key}": Stage(
                lambda: etree.tostring(root, pretty_print=True, encoding="unicode")
            ),
            f"lxml_build_{key}": Stage(partial(lxml_rebuild, flatten(root))),
        }
    )


def flatten(root: Any) -> list[Row]:
    """The tree as (parent index, tag, text, attributes, namespace map) rows in document order (untimed)."""
    index = {root: 0}
    rows: list[Row] = [(-1, root.tag, root.text, dict(root.attrib), dict(root.nsmap))]
    for element in root.iterdescendants():
        index[element] = len(rows)
        rows.append((index[element.getparent()], element.tag, element.text, dict(element.attrib), {}))
    return rows


def lxml_rebuild(rows: list[Row]) -> str:
    """The floor for an XML exporter: lxml building the same tree from ready-made rows, then serialising it
    pretty-printed; no lookups, no decisions, only the element calls any exporter has to make."""
    from lxml import etree

    _parent, tag, text, attrib, nsmap = rows[0]
    nodes = [etree.Element(tag, attrib, nsmap=nsmap)]
    sub = etree.SubElement
    for parent, tag, text, attrib, _ns in rows[1:]:
        node = sub(nodes[parent], tag, attrib)
        if text is not None:
            node.text = text
        nodes.append(node)
    return etree.tostring(nodes[0], pretty_print=True, encoding="unicode")


def pybtex_writer(rec: Recorder, bib: str) -> None:
    """``pybtex_write_bibtex``: pybtex writing the entries it read from our .bib (read once, untimed)."""
    try:
        from pybtex.database import parse_string

        data = parse_string(bib, "bibtex")
        rec.time({"pybtex_write_bibtex": Stage(lambda: data.to_string("bibtex"))})
    except Exception as exc:
        rec.skipped["pybtex_write_bibtex"] = f"{type(exc).__name__}: {exc}"


def bibtexparser_writers(rec: Recorder, bib: str, ours: dict[str, Stage]) -> None:
    """bibtexparser v2's writer: as called by default (``bibtexparser_write_bibtex``; it deep-copies each
    block first), and with the in-place unparse stack its documentation recommends for large libraries
    (``bibtexparser_write_bibtex_inplace``), on a fresh copy of the library each time (copied untimed)."""
    try:
        import bibtexparser
        from bibtexparser import middlewares

        if not hasattr(bibtexparser, "write_string"):
            raise BenchError(f"bibtexparser {bibtexparser.__version__} is not v2 (no write_string)")
        library = bibtexparser.parse_string(bib)
        if library.failed_blocks:
            raise BenchError(f"bibtexparser could not parse {len(library.failed_blocks)} of our entries")
    except Exception as exc:
        rec.skipped["bibtexparser_write_bibtex"] = f"{type(exc).__name__}: {exc}"
        return
    stages = {**ours, "bibtexparser_write_bibtex": Stage(lambda: bibtexparser.write_string(library))}
    stack_factory = getattr(middlewares, "default_unparse_stack", None)
    if stack_factory is None:
        rec.skipped["bibtexparser_write_bibtex_inplace"] = "this bibtexparser has no default_unparse_stack"
    else:
        work = {}

        def fresh_copy() -> None:
            work["library"] = copy.deepcopy(library)

        def write_inplace() -> None:
            stack = stack_factory(allow_inplace_modification=True)
            bibtexparser.write_string(work["library"], unparse_stack=stack)

        stages["bibtexparser_write_bibtex_inplace"] = Stage(write_inplace, setup=fresh_copy)
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.ERROR)  # it advises the in-place stack for large libraries, once per call
    try:
        rec.time(stages)
    except Exception as exc:
        rec.skipped["bibtexparser_write_bibtex"] = f"{type(exc).__name__}: {exc}"
    finally:
        log.setLevel(level)


def pandoc_conversion(rec: Recorder, cmd: list[str], all_exports: Stage) -> None:
    """``pandoc_bibtex_to_csljson``: pandoc's conversion, each run followed by runs of all our exports, so
    that both sides of their ratio see the same machine load; these ``all_exports`` figures replace earlier
    ones."""
    runs: list[ProcessRun] = []
    ours: list[tuple[float, float]] = []
    for _ in range(rec.repeat):
        try:
            runs.append(run_process(cmd))
        except BenchError as exc:
            rec.skipped["pandoc_bibtex_to_csljson"] = str(exc)
            return
        for _ in range(EXPORTS_PER_PANDOC_RUN):
            wall, cpu, _ = sample(all_exports)
            ours.append((wall, cpu))
    rec.record("pandoc_bibtex_to_csljson", summarise(runs))
    rec.time_samples("all_exports", ours)


class _Tokeniser(HTMLParser):
    """html.parser with no handlers: it splits the text into tags, attributes and text, and keeps nothing."""


def html_parser_stage(path: Path) -> Stage:
    """``html_parser_bookmarks``: the standard library's html.parser merely tokenising a bookmark file (read
    from disk each call, as ``mlops_refs.read`` does)."""

    def tokenise() -> None:
        parser = _Tokeniser(convert_charrefs=True)
        parser.feed(path.read_bytes().decode("utf-8"))
        parser.close()

    return Stage(tokenise)
