"""A merge applied to catalog files: touched resources rewritten in place, new ones in a file of their own.

Every file is staged beside its target and renamed into place with the others, or none is; each text is
checked against the schema before anything is renamed. Files the merge did not touch are not written. A
command's JSON report is staged and renamed with them, so that a report that cannot be written leaves the
catalog as it was; one to standard output, a pipe or a device is written once the files are in place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .bundled import YAML_SUFFIXES, catalog_files
from .catalog import load_catalog
from .catalogedit import edit, new_file_text, resource_spans
from .errors import MlopsRefsError
from .merge import MergeReport, MergeResult, empty_catalog, find_duplicates, merge
from .model import Catalog
from .validation import schema_problems
from .yamlio import read_yaml

NEW_FILE_COMMENT = "Resources and collections added by 'mlops-refs import' from: {sources}."
# Where a command's JSON report goes, and how its text is made from the merge's report.
ReportTo = tuple[Path, Callable[[MergeReport], str]]


def merge_into_folder(
    folder: str | os.PathLike[str],
    incoming: list[tuple[Catalog, str]],
    dry_run: bool = False,
    folder_tags: bool = False,
    report: ReportTo | None = None,
) -> MergeReport:
    """Merge each (catalog, format) into a catalog folder (created if absent); the report says what was done.

    Touched resources are rewritten in their files; new collections and resources go to a new file
    (``resources/imported-001.yaml``, or beside the other files; the next free number). ``dry_run``
    writes nothing but the ``report`` (written with the files when it is not written in place).
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise MlopsRefsError(f"{root}: not a folder; import into a catalog folder")
    files = yaml_files(root)
    existing = load_catalog(root) if files else empty_catalog()
    result = merge(existing, incoming, folder_tags)
    sources = ", ".join(dict.fromkeys(source for _, source in incoming)) or "nothing"
    new_file = _new_file_path(root, bool(files))
    writes = _changed_texts(files, result)
    new_collections = [result.catalog.collection(cid) for cid in result.report.collections_added]
    new_resources = [result.catalog.resource(rid) for rid in result.new]
    if new_collections or new_resources:
        comment = NEW_FILE_COMMENT.format(sources=sources)
        writes[new_file] = new_file_text(new_collections, new_resources, comment)
    result.report.files = [str(p) for p in writes]
    if writes:
        check_catalog_after(files, writes)
    write_texts({} if dry_run else writes, also=_staged_report(report, result.report, [*files, *writes]))
    return result.report


def check_catalog_after(files: list[Path], writes: dict[Path, str]) -> None:
    """The catalog as ``writes`` leave it passes every check of ``validate`` (else nothing is written)."""
    from .catalog import catalog_from_documents
    from .errors import CatalogError

    docs, problems = [], []
    for path in dict.fromkeys([*files, *writes]):
        text = writes[path] if path in writes else path.read_text(encoding="utf-8")
        doc, found = read_yaml(str(path), text)
        docs.append(doc)
        problems.extend(found)
    try:
        catalog_from_documents(docs, problems)
    except CatalogError as exc:
        raise MlopsRefsError(
            f"the merge would write an invalid catalog file, so nothing was written: {exc.problems[0]}"
        ) from None


def dedupe_files(
    path: str | os.PathLike[str] | None, apply: bool = False, report: ReportTo | None = None
) -> MergeResult:
    """The duplicates inside a catalog (file or folder); with ``apply`` merged and the files rewritten, with
    the ``report`` (when it is not written in place)."""
    catalog = load_catalog(path, unique_identifiers=False)
    result = find_duplicates(catalog)
    files = catalog_files(path)
    writes: dict[Path, str] = {}
    if apply and (result.touched or result.removed):
        writes = _changed_texts(files, result)
        result.report.files = [str(p) for p in writes]
    write_texts(writes, also=_staged_report(report, result.report, files))
    return result


def _staged_report(report: ReportTo | None, merged: MergeReport, catalog: list[Path]) -> dict[Path, str]:
    """The report file to stage with the catalog's files ({} for none, or one written in place); never one
    of the catalog's own files."""
    from .files import refuse_report_over, writes_in_place

    if report is None or writes_in_place(report[0]):
        return {}
    refuse_report_over(report[0], catalog)
    return {report[0]: report[1](merged)}


def yaml_files(root: Path) -> list[Path]:
    """The catalog files of a folder (none when it holds no YAML at all, or does not exist)."""
    if not root.is_dir():
        return []
    if not any(p.suffix in YAML_SUFFIXES for p in root.rglob("*")):
        return []
    return catalog_files(root)


def _new_file_path(root: Path, has_files: bool) -> Path:
    if not has_files:
        return root / "catalog.yaml"
    folder = root / "resources" if (root / "resources").is_dir() else root
    n = 1
    while (folder / f"imported-{n:03d}.yaml").exists():  # numbered so that files sort in import order
        n += 1
    return folder / f"imported-{n:03d}.yaml"


def _changed_texts(files: Iterable[Path], result: MergeResult) -> dict[Path, str]:
    """New text of each file holding a touched or removed resource."""
    wanted = result.touched | result.removed
    writes: dict[Path, str] = {}
    if not wanted:
        return writes
    for file in files:
        text = file.read_text(encoding="utf-8")
        spans = resource_spans(str(file), text)
        hits = wanted.intersection(spans)
        if not hits:
            continue
        replace = {rid: result.catalog.resource(rid) for rid in hits if rid in result.touched}
        writes[file] = edit(text, spans, replace, hits & result.removed)
    return writes


def write_texts(writes: dict[Path, str], check: bool = True, also: dict[Path, str] | None = None) -> None:
    """Check every text against the schema and every target, then replace all files together, with the
    files of ``also`` (reports: not catalog files, not checked against the schema)."""
    from .files import cannot_write, check_target, staged_files

    for path in also or ():
        check_target(path)
    for path, text in writes.items():
        check_target(path)
        if not check:
            continue
        doc, problems = read_yaml(str(path), text)
        problems = problems or (schema_problems(doc) if doc.data is not None else [])
        if problems:
            raise MlopsRefsError(
                f"the merge would write an invalid catalog file, so nothing was written: {problems[0]}"
            )
    everything = {**writes, **(also or {})}
    try:
        with staged_files(durable=True) as staged:  # a catalog: nothing could make its files again
            for path, text in everything.items():
                staged.open(path).write(text)
    except OSError as exc:
        raise MlopsRefsError(cannot_write(", ".join(map(str, everything)), exc)) from None


def write_json(path: Path, text: str) -> None:
    """Write a report file atomically (standard output for ``-``; a pipe or device in place)."""
    from .files import open_in_place, writes_in_place

    if writes_in_place(path):
        with open_in_place(path) as stream:
            stream.write(text)
        return
    write_texts({path: text}, check=False)
