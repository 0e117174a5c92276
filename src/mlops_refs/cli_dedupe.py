"""``mlops-refs dedupe``: the duplicates and candidate pairs inside a catalog, merged with ``--apply``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report's type only: running dedupe imports the merge through mergefiles
    from .merge import MergeReport


def run(args: argparse.Namespace) -> int:
    """Run ``dedupe``; returns the exit status."""
    from .files import report_text, writes_in_place
    from .mergefiles import dedupe_files, write_json

    report = None if args.report is None else Path(args.report)
    result = dedupe_files(  # a report file is written with the catalog's files, or neither is
        args.catalog or args.path,
        apply=args.apply,
        report=None if report is None else (report, lambda merged: report_text(merged.to_json())),
    )
    for line in report_lines(result.report):
        print(line)
    done = "merged and rewritten" if args.apply and result.removed else "found"
    print(f"{result.report.summary()} ({done})")
    if report is not None:
        if writes_in_place(report):  # standard output, a pipe or a device: once the files are in place
            write_json(report, report_text(result.report.to_json()))
        print(f"wrote {args.report}", file=sys.stderr)
    return 0


def report_lines(report: MergeReport) -> list[str]:
    """The report for people, one line per decision."""
    lines = [f"merge: {m['record']} into {m['resource']} on {', '.join(m['on'])}" for m in report.merges]
    lines += [f"alias: {a['alias']} is {a['resource']}" for a in report.aliases]
    lines += [f"renamed: {r['record']} added as {r['id']} (the key was taken)" for r in report.renamed]
    for t in report.two_way:
        where = "; ".join(f"{m['resource']} on {', '.join(m['on'])}" for m in t["matches"])
        lines.append(f"two-way: {t['record']} left apart, {t['reason']}: {where}")
    for c in report.conflicts:
        lines.append(
            f"conflict: {c['resource']}.{c['field']}: {json.dumps(c['old'], ensure_ascii=False)} -> "
            f"{json.dumps(c['new'], ensure_ascii=False)} (kept {c['kept']})"
        )
    for p in report.candidates:
        a, b = p["resources"]
        lines.append(f"candidate: {a} ~ {b} (title similarity {p['similarity']}; check by hand)")
    return lines
