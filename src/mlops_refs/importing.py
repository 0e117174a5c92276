"""``mlops-refs import`` and ``convert``: files of any format into a catalog folder, or into another format.

Import reads every file and makes every value one the catalog's schema accepts (a value it refuses moves to
``extra`` with a report line). Into a new or empty folder, each file's tree goes under a top collection titled
after the file, and the folder is written in the shape of ``data/``. Into an existing catalog folder, the
files are merged (``mergefiles.merge_into_folder``): only the touched resources are rewritten, new ones go to
a file of their own. Convert goes from reader to writer in memory. Both print the report as
``file:line: field: message`` lines, can write it as JSON, and return 0 (all read), 1 (records skipped) or
2 (a file could not be read at all; then nothing is written).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import MlopsRefsError
from .model import (
    DATE_FIELDS,
    PEOPLE_FIELDS,
    PERSON_FIELDS,
    RESOURCE_FIELDS,
    TEXT_LIST_FIELDS,
    Catalog,
    PartialDate,
    Person,
    Resource,
)
from .readers.base import Report
from .readers.builder import CatalogBuilder

if TYPE_CHECKING:
    from .exporters import Exporter


class ImportTargetError(MlopsRefsError):
    """The import's target is neither a new or empty folder nor a catalog folder."""


def read_all(paths: list[str], fmt: str | None) -> list[tuple[str, Catalog, Report]]:
    """Every file read (MlopsRefsError, e.g. UnreadableFileError, for one that cannot be read at all)."""
    from .api import read

    out = []
    for path in paths:
        catalog, report = read(path, fmt)
        out.append((path, catalog, report))
    return out


def merge(parts: list[tuple[str, Catalog, Report]]) -> Catalog:
    """One catalog of several read files: each file's tree under a top collection titled after the file."""
    builder = CatalogBuilder(Report("<merge>"), "Imported references")
    for path, catalog, report in parts:
        builder.report = Report(report.file, report.format)
        top = builder.folder(os.path.basename(path))
        ids: dict[str, str] = {}
        for collection, _depth in catalog.walk():
            parent = top if collection.parent_id is None else ids[collection.parent_id]
            ids[collection.id] = builder.folder(
                collection.title, parent, collection.kind, collection.summary, collection.url
            )
        for r in catalog.resources:
            values = {n: v for n, v in vars(r).items() if n not in ("id", "collection_ids")}
            cids = [ids[c] for c in r.collection_ids] or [top]
            rid = builder.add(values, None, cids[0], r.id)
            for cid in cids[1:]:
                builder.file_into(rid, cid)
        report.lines.extend(builder.report.lines)  # key clashes between files
    return builder.build()


def conform(catalog: Catalog, report: Report, unique: bool = True) -> Catalog:
    """The catalog with every value the schema or the loader's checks refuse moved to ``extra``, reported.

    ``unique`` also moves a DOI, URL or arXiv id an earlier record gave (a merge matches them instead).
    """
    from .validation import _detailed_validator, _fast_validator, isbn_is_valid, url_problem

    seen: dict[str, set[str]] = {"doi": set(), "url": set(), "arxiv": set()}
    out = []
    mappings = [_as_yaml(r) for r in catalog.resources]
    # the schema has no rule across resources: when all pass together, each passes alone
    all_valid = _fast_validator()({"resources": mappings})
    for r, mapping in zip(catalog.resources, mappings, strict=True):
        bad: dict[str, str] = {}
        doc = {"resources": [mapping]}
        if not all_valid and not _fast_validator()(doc):
            for error in _detailed_validator().iter_errors(doc):
                path = list(error.absolute_path)
                if len(path) >= 3:
                    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
                    bad.setdefault(str(path[2]), hint or error.message)
        if r.url and (why := url_problem(r.url)):
            bad.setdefault("url", why)
        if r.isbn and not isbn_is_valid(r.isbn):
            bad.setdefault("isbn", "wrong check digit")
        for name, normalise in (("doi", str.lower), ("url", lambda u: u.rstrip("/")), ("arxiv", str)):
            value = getattr(r, name)
            if unique and value and name not in bad:
                if normalise(value) in seen[name]:
                    bad[name] = "already given by an earlier record"
                else:
                    seen[name].add(normalise(value))
        if "arxiv" in bad and r.arxiv_class:  # the class means nothing without its id
            bad.setdefault("arxiv_class", "goes with the arXiv id")
        out.append(_move_to_extra(r, bad, report) if bad else r)
    return Catalog.build(catalog.info, catalog.collections, out)


def _move_to_extra(r: Resource, bad: dict[str, str], report: Report) -> Resource:
    changes: dict[str, Any] = {}
    extra = list(r.extra)
    model_name = {"collections": "collection_ids"}
    for name, why in bad.items():
        attr = model_name.get(name, name)
        if attr in ("id", "type", "title") or not hasattr(r, attr):
            continue
        value = getattr(r, attr)
        text = value.iso() if isinstance(value, PartialDate) else value
        if isinstance(value, tuple):
            text = "; ".join(str(v) for v in value)
        extra.append((name, str(text)))
        changes[attr] = () if isinstance(value, tuple) else None
        report.add(
            None, name, f"{r.id}: {str(text)[:80]!r} is not valid here ({why}); kept in extra", "changed"
        )
    return replace(r, extra=tuple(extra), **changes)


def _as_yaml(r: Resource) -> dict[str, Any]:
    """A resource as the plain data its YAML mapping holds (what the schema checks)."""
    out: dict[str, Any] = {}
    values = vars(r)  # a field missing here has its default, None or (): nothing to write
    for field_name, name, kind in _YAML_FIELDS:
        value = values.get(field_name)
        if value is None or value == ():
            continue
        if kind is PartialDate and isinstance(value, PartialDate):
            value = value.iso()
        elif kind is Person:
            value = [{k: v for k in PERSON_FIELDS if (v := vars(p).get(k))} for p in value]
        elif kind is dict:
            value = [{"name": n, "value": v} for n, v in value]
        elif kind is list:
            value = list(value)
        out[name] = value
    return out


# Each Resource field, its name in the YAML and what its value becomes there (as it is, or a list of ...).
_YAML_FIELDS = tuple(
    (
        name,
        "collections" if name == "collection_ids" else name,
        PartialDate
        if name in DATE_FIELDS
        else Person
        if name in PEOPLE_FIELDS
        else dict
        if name == "extra"
        else list
        if name in TEXT_LIST_FIELDS
        else str,
    )
    for name in RESOURCE_FIELDS
)


def check_folder(files: dict[str, str], into: str) -> None:
    """Check the folder's files as ``validate`` would, before any is written (CatalogError if one fails)."""
    from .catalog import check_documents, parse_texts

    check_documents(*parse_texts([(os.path.join(into, name), text) for name, text in files.items()]))


def print_report(reports: list[Report], json_path: str | None, more: dict[str, Any] | None = None) -> None:
    """Report lines on standard error; the whole report (and ``more``) as JSON to ``json_path`` when given.

    Commands that write a catalog stage a report file with it, and pass ``json_path`` only when the report
    is written in place."""
    for report in reports:
        for loss in report.lines:
            print(loss, file=sys.stderr)
        print(
            f"{report.file}: {report.format}: {report.read} record(s) read, {report.skipped} skipped, "
            f"{len(report.lines)} report line(s)",
            file=sys.stderr,
        )
    if json_path:
        from .mergefiles import write_json

        write_json(Path(json_path), _report_json(reports, more))


def _report_json(reports: list[Report], more: dict[str, Any] | None = None) -> str:
    """The whole report of a command reading files (and ``more``) as the JSON text of its report file."""
    from .files import report_text

    return report_text({"files": [r.to_json() for r in reports], **(more or {})})


def _in_place(json_path: str | None) -> str | None:
    """``json_path`` when the report is written in place (standard output, a pipe, a device), else None."""
    from .files import writes_in_place

    return json_path if json_path is not None and writes_in_place(json_path) else None


def _status(reports: list[Report]) -> int:
    return max((r.exit_status for r in reports), default=0)


def import_files(
    paths: list[str],
    fmt: str | None,
    into: str,
    report_json: str | None,
    dry_run: bool = False,
    folder_tags: bool = False,
) -> int:
    """Read files into a new catalog folder, or merge them into an existing one; the exit status.

    0: every record read and merged; 1: some skipped, or left out of the merge (two-way); 2 is raised as
    an error before anything is written. ``dry_run`` prints what would change and writes nothing.
    """
    from .exporters import staged_files
    from .files import refuse_report_over
    from .mergefiles import yaml_files
    from .readers.catalog_yaml import folder_files

    target = Path(into)
    if target.exists() and not target.is_dir():
        raise ImportTargetError(f"{into}: not a folder; import into a catalog folder or a new one")
    existing = target.is_dir() and any(target.iterdir())
    if existing and not yaml_files(target):
        raise ImportTargetError(
            f"{into}: not an empty folder and no catalog in it; import into a catalog folder or a new one"
        )
    if report_json is not None:
        from .files import check_target, writes_in_place

        if not writes_in_place(report_json):
            check_target(
                Path(report_json)
            )  # a report that cannot be written stops the import before it writes
    parts = read_all(paths, fmt)
    if existing:
        return _merge_files(parts, target, report_json, dry_run, folder_tags)
    if folder_tags:
        from .merge import with_folder_tags

        parts = [(path, with_folder_tags(catalog), report) for path, catalog, report in parts]
    reports = [report for _path, _catalog, report in parts]
    checks = Report("<import>", "yaml")
    catalog = conform(merge(parts), checks)
    if checks.lines:
        reports.append(checks)
    files = folder_files(catalog)
    check_folder(files, into)
    if dry_run:
        print_report(reports, report_json)
        for name in files:
            print(f"would write {target / name}")
        print(f"would write {len(catalog)} resource(s) into {into} (dry run: nothing written)")
        return _status(reports)
    report_file = None if report_json is None or _in_place(report_json) else Path(report_json)
    if report_file is not None:
        refuse_report_over(report_file, [target / name for name in files])
    with staged_files(durable=True) as staged:  # the report too: written with the catalog, or neither is
        for name, text in files.items():
            staged.open(target / name).write(text)
        if report_file is not None:
            staged.open(report_file).write(_report_json(reports))
    print_report(reports, _in_place(report_json))
    print(f"wrote {len(catalog)} resource(s) into {into}", file=sys.stderr)
    return _status(reports)


def _merge_files(
    parts: list[tuple[str, Catalog, Report]], target: Path, report_json: str | None, dry_run: bool, tags: bool
) -> int:
    """Merge the read files into the catalog folder ``target``; the exit status."""
    from .cli_dedupe import report_lines
    from .mergefiles import merge_into_folder

    reports = [report for _path, _catalog, report in parts]
    checks = Report("<import>", "yaml")
    incoming = [(conform(catalog, checks, unique=False), r.format) for _p, catalog, r in parts]
    if checks.lines:
        reports.append(checks)
    report = None
    if report_json is not None:  # written with the catalog's files, or neither is
        report = (Path(report_json), lambda done: _report_json(reports, {"merge": done.to_json()}))
    merged = merge_into_folder(target, incoming, dry_run=dry_run, folder_tags=tags, report=report)
    print_report(reports, _in_place(report_json), {"merge": merged.to_json()})
    for line in report_lines(merged):
        print(line)
    verb = "would write" if dry_run else "wrote"
    for file in merged.files:
        print(f"{verb} {file}")
    done = " (dry run: nothing written)" if dry_run else ""
    print(f"{merged.summary()}{done}")
    return max(_status(reports), 1 if merged.two_way else 0)


STANDARD_OUTPUT = "standard output"  # how report lines name a file written to standard output


def convert(
    source: str,
    target: str,
    fmt: str | None,
    to: str | None,
    report_json: str | None,
    options: list[str] | None = None,
) -> int:
    """Read one file and write it in another format (``-`` for standard output); the exit status.

    The report says what the reader did not keep of the input and what the output's format cannot carry."""
    from .api import read
    from .carried import not_carried
    from .cli_commands import parse_options
    from .exporters import default_registry
    from .memo import run_scope

    if to is None:
        if target == "-":
            raise MlopsRefsError("-t/--to is needed when the output is standard output")
        to = os.path.splitext(target)[1] or target
    cls = default_registry.get_class(to)
    exporter = cls(**parse_options(cls, options or []))
    catalog, report = read(sys.stdin.buffer if source == "-" else source, fmt)
    with run_scope():  # what the report works out (a .bib entry's type), the export shares
        written = not_carried(catalog, exporter, STANDARD_OUTPUT if target == "-" else target)
        more = {"written": written.to_json()}
        in_place = _write_converted(exporter, catalog, target, report_json, _report_json([report], more))
    print_report([report], report_json if in_place else None, more)
    for loss in written.lines:
        print(loss, file=sys.stderr)
    print(written.summary(), file=sys.stderr)
    return report.exit_status


def _write_converted(
    exporter: Exporter, catalog: Catalog, target: str, report_json: str | None, report_text: str
) -> bool:
    """Write the converted file (and the report file with it, when both are files); whether the report is
    still to be written, in place."""
    import io

    from .exporters import dump, staged_files, write
    from .files import refuse_report_over, writes_in_place

    if target == "-":
        out: IO[str] = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
        write(exporter, catalog, out)
        out.flush()
        out.detach()
        return True
    if report_json is None or writes_in_place(report_json) or writes_in_place(target):
        dump(exporter, catalog, target)
        return True
    refuse_report_over(Path(report_json), [Path(target)], "output file")
    with staged_files() as staged:  # the report is renamed into place with the output file, or neither is
        write(exporter, catalog, staged.open(Path(target)))
        staged.open(Path(report_json)).write(report_text)
    return False
