"""The ``mlops-refs`` command: validate a catalog, list formats, export."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Catalog

PROG = "mlops-refs"
DEFAULT_OUT = Path("exports")


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

    from .cli_dedupe import add_parser as add_dedupe

    add_dedupe(sub)

    export = sub.add_parser(
        "export",
        help="write every format into exports/, or one format with -f",
        description="Without -f, write every format into --out (default exports/). "
        "With -f, write one format to -o FILE, or to standard output with -o -.",
    )
    export.add_argument("--catalog", help=catalog_help)
    export.add_argument("-f", "--format", help="one format name or alias (see 'mlops-refs formats')")
    export.add_argument("-o", "--output", help="output file for -f, or - for standard output")
    export.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for every format (default: exports)"
    )
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
        help="parse and validate the catalog afresh instead of using the cache of an unchanged one",
    )
    export.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each file in --out that differs from a fresh export",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from .errors import MlopsRefsError

    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.catalog or args.path)
        if args.command == "formats":
            return _formats()
        if args.command == "dedupe":
            from .cli_dedupe import run

            return run(args)
        return _export(args)
    except MlopsRefsError as exc:
        from .errors import CatalogError

        if isinstance(exc, CatalogError):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{PROG}: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
            return 1
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `mlops-refs export -f ris -o - | head`
        sys.stderr.close()
        return 0


def _load(path: str | None, use_cache: bool = True, source: Any = None) -> Catalog:
    if use_cache and not os.environ.get("MLOPS_REFS_NO_CACHE"):
        from .cache import load_catalog_cached

        return load_catalog_cached(path, source)
    from .catalog import load_catalog

    return load_catalog(path)


def _validate(path: str | None) -> int:
    catalog = _load(path, use_cache=False)
    types = Counter(r.type for r in catalog.resources)
    kinds = Counter(c.kind for c in catalog.collections)
    print(f"ok: {len(catalog.resources)} resources, {len(catalog.collections)} collections")
    print(
        "  resources: " + ", ".join(f"{n} {t}" for t, n in sorted(types.items(), key=lambda x: (-x[1], x[0])))
    )
    print("  collections: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return 0


def _formats() -> int:
    from .exporters import default_registry, option_help

    for cls in default_registry.classes():
        aliases = f" (alias {', '.join(cls.aliases)})" if cls.aliases else ""
        print(f"{cls.name}{aliases}  {cls.default_filename}  {cls.media_type}")
        print(f"    {cls.description}")
        for name, default, text in option_help(cls):
            print(f"    -O {name}={_show(default)}  {text}")
    return 0


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _parse_options(cls: type, pairs: list[str]) -> dict[str, Any]:
    from .errors import ExportOptionError

    types = {f.name: f.default for f in fields(cls.Options)} if hasattr(cls, "Options") else {}
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ExportOptionError(f"option {pair!r} must look like NAME=VALUE")
        if name in types and isinstance(types[name], bool):
            if value.lower() not in {"true", "false", "yes", "no", "1", "0"}:
                raise ExportOptionError(f"option {name} takes true or false, not {value!r}")
            options[name] = value.lower() in {"true", "yes", "1"}
        else:
            options[name] = value
    return options


def _select(catalog: Catalog, args: argparse.Namespace) -> Catalog:
    from .errors import MlopsRefsError

    if not (args.collection or args.types or args.tags):
        return catalog
    try:
        return catalog.subset(args.collection, args.types, args.tags)
    except KeyError:
        known = ", ".join(c.id for c in catalog.collections)
        raise MlopsRefsError(f"unknown collection {args.collection!r}; collections are: {known}") from None


def _check_outputs(jobs: list[tuple[Any, str]], catalog: Catalog | None, cached: dict[int, Any]) -> int:
    from .exporters import dumps

    stale = []
    for exporter, target in jobs:
        path = Path(target)
        fh = cached[id(exporter)]
        fresh = fh.read() if fh is not None else dumps(exporter, catalog).encode("utf-8")
        if not path.is_file() or path.read_bytes() != fresh:
            stale.append(target)
    for target in stale:
        print(f"stale: {target} (run: {PROG} export)", file=sys.stderr)
    if not stale:
        print(f"ok: {len(jobs)} file(s) up to date")
    return 1 if stale else 0


def _export(args: argparse.Namespace) -> int:
    from .errors import MlopsRefsError
    from .exporters import default_registry, staged_files
    from .gcpause import gc_paused

    if args.output and not args.format:
        raise MlopsRefsError("-o/--output needs -f/--format; without -f every format goes into --out")
    if args.options and not args.format:
        raise MlopsRefsError("-O/--option needs -f/--format: options belong to one format")
    if args.format:
        cls = default_registry.get_class(args.format)
        exporter = cls(**_parse_options(cls, args.options))
        jobs = [(exporter, args.output or str(args.out / cls.default_filename))]
    else:
        jobs = [(cls(), str(args.out / cls.default_filename)) for cls in default_registry.classes()]

    outputs = None
    if not args.no_cache and not os.environ.get("MLOPS_REFS_NO_CACHE"):
        from .cache import CatalogSource, OutputCache

        selection = repr((args.collection, sorted(args.types), sorted(args.tags)))
        outputs = OutputCache(CatalogSource.find(args.catalog), selection)
    cached = {id(e): outputs.open(e) if outputs and t != "-" else None for e, t in jobs}
    catalog = None
    if not all(cached.values()):
        catalog = _select(
            _load(args.catalog, use_cache=outputs is not None, source=outputs and outputs.source), args
        )

    try:
        if args.check:
            return _check_outputs(jobs, catalog, cached)
        with staged_files() as staged, gc_paused():  # every file is replaced, or none is
            for exporter, target in jobs:
                if target == "-":
                    out = io.TextIOWrapper(
                        sys.stdout.buffer, encoding="utf-8", newline="", write_through=True
                    )
                    exporter.write(catalog, out)
                    out.flush()
                    out.detach()
                elif cached[id(exporter)] is not None:
                    stream = staged.open(Path(target))
                    shutil.copyfileobj(cached[id(exporter)], stream.buffer)
                else:
                    exporter.write(catalog, staged.open(Path(target)))
    finally:
        for fh in cached.values():
            if fh is not None:
                fh.close()
    for exporter, target in jobs:
        if target != "-":
            if outputs is not None and cached[id(exporter)] is None:
                outputs.store(exporter, Path(target))
            print(f"wrote {target}", file=sys.stderr)
    return 0
