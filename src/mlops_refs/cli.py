"""The ``mlops-refs`` command: its argument parser, and the dispatch to the module that runs each command.

The parser is built, and ``--help`` answered, from the standard library's argparse alone: each command
imports what it runs when it runs.
"""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, which --help does not need
if TYPE_CHECKING:
    from typing import Any

PROG = "mlops-refs"
DEFAULT_OUT = "exports"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; format choices come from the registry at run time."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Validate the mlops-refs catalog and export it to BibTeX, BibLaTeX, CSL-JSON, "
        "bookmarks HTML, OPML, Zotero RDF and RIS.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    catalog_help = "catalog YAML file or folder (default: the bundled catalog)"
    validate = sub.add_parser("validate", help="check a catalog and summarise it")
    validate.add_argument("path", nargs="?", help=catalog_help)
    validate.add_argument("--catalog", dest="catalog", help=catalog_help)

    fmts = sub.add_parser("formats", help="list the export formats")
    fmts.add_argument("--catalog", help=argparse.SUPPRESS)

    _add_dedupe_command(sub)

    export = sub.add_parser(
        "export",
        help="write every format into exports/, or one format with -f",
        description="Without -f, write every format into --out (default exports/). "
        "With -f, write one format to -o FILE, or to standard output with -o -.",
    )
    export.add_argument("--catalog", help=catalog_help)
    export.add_argument("-f", "--format", help="one format name or alias (see 'mlops-refs formats')")
    export.add_argument("-o", "--output", help="output file for -f, or - for standard output")
    export.add_argument("--out", default=DEFAULT_OUT, help="folder for every format (default: exports)")
    export.add_argument("--collection", help="only this collection and its sub-collections")
    export.add_argument(
        "--type", dest="types", action="append", default=[], help="only resources of this type (repeatable)"
    )
    export.add_argument(
        "--tag", dest="tags", action="append", default=[], help="only resources with this tag (repeatable)"
    )
    export.add_argument(
        "-O",
        "--option",
        dest="options",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="exporter option for -f, e.g. -O encoding=ascii (see 'mlops-refs formats')",
    )
    export.add_argument(
        "--no-cache",
        action="store_true",
        help="build every export afresh, without reading or filling the cache of exports",
    )
    export.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each file in --out that differs from a fresh export",
    )
    _add_import_commands(sub)
    return parser


def _add_import_commands(sub: Any) -> None:
    fmt_help = "input format name or alias (default: from the extension and the content)"
    report_help = "also write the report as JSON to this file"
    imp = sub.add_parser(
        "import",
        help="read bibliographies, bookmarks or outlines into a catalog folder, merging duplicates",
        description="Read each FILE (any format, detected or named with -f) into the catalog folder DIR. "
        "A new or empty DIR gets catalog.yaml + resources/*.yaml, each file's tree under a collection titled "
        "after the file. An existing catalog folder gets the files merged: a record that is a resource "
        "already (same DOI, arXiv id, ISBN, PMID, URL up to http/https, www., trailing slash and tracking "
        "parameters, or a citation key the resource is known by) adds its folders, tags, identifiers and "
        "missing fields to it; on a field both have, the richer source wins (the catalog > Zotero RDF > "
        "CSL-JSON > BibLaTeX > RIS > BibTeX > bookmarks/OPML) and the conflict is reported; existing ids "
        "never change and the record's key becomes an alias. Only the touched resources are rewritten, new "
        "ones go to imported-NNN.yaml. Exit 0: every record read and merged; 1: some skipped, or left out "
        "of the merge because their identifiers match two resources; 2: a file could not be read (nothing "
        "written).",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("-f", "--format", help=fmt_help)
    imp.add_argument("--into", required=True, metavar="DIR", help="a catalog folder, or a new or empty one")
    imp.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    imp.add_argument(
        "--tags-from-folders",
        action="store_true",
        help="also tag each record with its folder paths (Cars/Restoration)",
    )
    imp.add_argument(
        "--report",
        metavar="FILE.json",
        help="also write the report as JSON: reader lines, every merge, alias, conflict, candidate pair",
    )
    conv = sub.add_parser(
        "convert",
        help="convert a file from any format to any other, in memory",
        description="Read IN and write OUT (- for standard output). Exit codes as for import.",
    )
    conv.add_argument("input", metavar="IN")
    conv.add_argument("output", metavar="OUT")
    conv.add_argument("-f", "--from", dest="format", help=fmt_help)
    conv.add_argument("-t", "--to", help="output format (default: from OUT's extension)")
    conv.add_argument(
        "-O",
        "--option",
        dest="options",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="writer option, e.g. -O groups=true (see 'mlops-refs formats')",
    )
    conv.add_argument("--report", metavar="FILE.json", help=report_help)


def _add_dedupe_command(sub: Any) -> None:
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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status. What it prints for people shows each unprintable
    character as its escape (``text.terminal``); the data a command writes to standard output is its own."""
    from .text.terminal import ForPeople

    out, err = sys.stdout, sys.stderr
    if out is not None and err is not None:  # None where there is no console: print then writes nothing
        sys.stdout, sys.stderr = ForPeople(out), ForPeople(err)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import MlopsRefsError

    try:
        if args.command == "validate":
            from .cli_commands import validate

            return validate(args.catalog or args.path)
        if args.command == "formats":
            from .cli_commands import formats

            return formats()
        if args.command == "import":
            from .importing import import_files

            return import_files(
                args.files, args.format, args.into, args.report, args.dry_run, args.tags_from_folders
            )
        if args.command == "convert":
            from .importing import convert

            return convert(args.input, args.output, args.format, args.to, args.report, args.options)
        if args.command == "dedupe":
            from .cli_dedupe import run

            return run(args)
        from .cli_commands import export

        return export(args)
    except MlopsRefsError as exc:
        from .errors import CatalogError, NothingSelectedError

        if isinstance(exc, CatalogError):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{PROG}: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
            return 1
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, NothingSelectedError) else 2
    except BrokenPipeError:  # e.g. `mlops-refs export -f ris -o - | head`
        sys.stderr.close()
        return 0


def run() -> int:
    """The console script and ``python -m mlops_refs``: ``main`` without the cyclic garbage collector.

    A command is one short run whose data holds no reference cycles: reference counting frees what it
    drops, and the collector would only walk every object the run makes, again and again (a fifth of a
    conversion's time), and once more at exit.
    """
    import gc

    gc.disable()
    status = main()
    gc.freeze()  # the interpreter's final collection would walk every object the run made, for nothing
    return status
