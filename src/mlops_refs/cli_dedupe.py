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
    from .mergefiles import dedupe_files, write_json

    result = dedupe_files(args.catalog or args.path, apply=args.apply)
    for line in report_lines(result.report):
        print(line)
    done = "merged and rewritten" if args.apply and result.removed else "found"
    print(f"{result.report.summary()} ({done})")
    if args.report is not None:
        write_json(
            Path(args.report), json.dumps(result.report.to_json(), indent=2, ensure_ascii=False) + "\n"
        )
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
