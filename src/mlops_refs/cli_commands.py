"""The bodies of the command line's validate, formats and export commands, imported when one runs."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import Any

from .cli import PROG
from .errors import ExportOptionError, MlopsRefsError


def validate(path: str | None) -> int:
    """``mlops-refs validate``: load the catalog and summarise it; returns the exit status."""
    from .catalog import load_catalog

    catalog = load_catalog(path)
    types = Counter(r.type for r in catalog.resources)
    kinds = Counter(c.kind for c in catalog.collections)
    print(f"ok: {len(catalog.resources)} resources, {len(catalog.collections)} collections")
    print(
        "  resources: " + ", ".join(f"{n} {t}" for t, n in sorted(types.items(), key=lambda x: (-x[1], x[0])))
    )
    print("  collections: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return 0


def formats() -> int:
    """``mlops-refs formats``: every format, its options and their defaults; returns the exit status."""
    from .exporters import default_registry, option_help

    classes = default_registry.classes()
    for name, why in default_registry.broken.items():
        print(f"{PROG}: warning: the {name} exporter failed to load ({why}); skipped", file=sys.stderr)
    for cls in classes:
        aliases = f" (alias {', '.join(cls.aliases)})" if cls.aliases else ""
        print(f"{cls.name}{aliases}  {cls.default_filename}  {cls.media_type}")
        print(f"    {cls.description}")
        for name, default, text in option_help(cls):
            print(f"    -O {name}={_show(default)}  {text}")
    return 0


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse_options(cls: type, pairs: list[str]) -> dict[str, Any]:
    """The exporter options of ``-O NAME=VALUE`` pairs, true/false read for the options that are flags."""

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


def export(args: argparse.Namespace) -> int:
    """``mlops-refs export``: every format into a folder, or one to a file; returns the exit status."""
    from . import pipeline
    from .exporters import default_registry

    if args.output and not args.format:
        raise MlopsRefsError("-o/--output needs -f/--format; without -f every format goes into --out")
    if args.options and not args.format:
        raise MlopsRefsError("-O/--option needs -f/--format: options belong to one format")
    selection = pipeline.Selection(args.collection, tuple(args.types), tuple(args.tags))
    use_cache = not args.no_cache
    if args.format:
        cls = default_registry.get_class(args.format)
        exporter = cls(**parse_options(cls, args.options))
        target = args.output or str(Path(args.out) / cls.default_filename)
        if args.output and os.path.isdir(args.output):
            raise MlopsRefsError(f"-o {args.output} is a folder; give a file name, or use --out for a folder")
        plan = pipeline.plan([(exporter, target)], args.catalog, selection, use_cache)
    else:
        plan = pipeline.plan_all(Path(args.out), args.catalog, selection, use_cache, default_registry)
    outcome = pipeline.check(plan) if args.check else pipeline.export(plan)
    for name, why in outcome.failed.items():
        print(f"{PROG}: error: the {name} exporter {why}; its file was left as it was", file=sys.stderr)
    if args.check:
        for target in outcome.stale:
            print(f"stale: {target} (run: {PROG} export)", file=sys.stderr)
        if not outcome.stale and not outcome.failed:
            print(f"ok: {len(plan.jobs)} file(s) up to date")
        return 1 if outcome.stale or outcome.failed else 0
    for target in outcome.written:
        if target != pipeline.STDOUT:
            print(f"wrote {target}", file=sys.stderr)
    return 1 if outcome.failed else 0
