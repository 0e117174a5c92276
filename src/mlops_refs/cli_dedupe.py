"""``mlops-refs dedupe``: the duplicates and candidate pairs inside a catalog, merged with ``--apply``."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, which --help does not need
if TYPE_CHECKING:  # the command line's start-up imports nothing it does not run
    from typing import Any

    from .merge import MergeReport


def add_parser(sub: Any) -> None:
    """Add the ``dedupe`` subcommand to the command line's subparsers."""
    dedupe = sub.add_parser(
        "dedupe",
        help="find duplicates inside a catalog (and merge them with --apply)",
        description="Report resources of a catalog that are one thing (same DOI, arXiv id, ISBN, PMID or "
        "URL up to http/https, www., trailing slash and tracking parameters) and candidate pairs "
        "(alike title, same year and first author; never merged). With --apply, merge each duplicate into "
        "the first one: its id becomes an alias, and only the touched resources are rewritten.",
    )
    dedupe.add_argument("path", nargs="?", help="catalog YAML file or folder (default: the bundled catalog)")
    dedupe.add_argument("--catalog", dest="catalog", help=argparse.SUPPRESS)
    dedupe.add_argument("--apply", action="store_true", help="merge the duplicates and rewrite the files")
    dedupe.add_argument("--report", metavar="FILE.json", help="also write the report as JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``dedupe``; returns the exit status."""
    import json
    from pathlib import Path

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
    import json

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
