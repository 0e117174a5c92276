"""Time every stage of mlops-refs on a generated catalog of N resources, beside peer tools and floors.

    python benchmarks/bench.py --size 10000              # table
    python benchmarks/bench.py --size 10000 --json       # one JSON object
    python benchmarks/bench.py --scaling                 # 10k and 100k, per-stage ratio big/small

Stages run in this process (YAML parse, schema validation, semantic checks, model build, load_catalog, each
exporter, all exporters, the bookmark import, the merge) are medians of --repeat runs; fast ones are looped so
that each sample lasts at least 50 ms, and stages that a ratio compares are sampled round robin. Command-line
runs (cold and warm export, --help, python -c pass, pandoc) are timed as processes, with their peak RSS. See
benchmarks/README.md for every key of the JSON output and the targets behind the ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import report, scaling, single, workspace

DEFAULT_SEED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--size", type=int, default=10_000, help="resources in the generated catalog (default 10000)")
    add("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default 1)")
    add(
        "--repeat",
        type=int,
        default=None,
        help="runs per stage, the median is reported (default 3; 1 from 50000; 9 per size with --scaling)",
    )
    add("--json", action="store_true", help="print one JSON object instead of a table")
    add(
        "--cache-dir",
        type=Path,
        default=None,
        help="where generated inputs are kept (default $MLOPS_REFS_BENCH_CACHE or <tmp>/mlops-refs-bench)",
    )
    add(
        "--skip-peers",
        action="store_true",
        help="leave out pandoc, pybtex, bibtexparser and the json/lxml/html.parser floors",
    )
    add(
        "--bookmarks",
        type=int,
        default=single.DEFAULT_BOOKMARKS,
        help="bookmarks in the generated file that import_bookmarks reads (default 20000)",
    )
    add(
        "--merge-sizes",
        type=int,
        nargs=2,
        default=list(single.DEFAULT_MERGE_SIZES),
        help="the two library sizes of the merge (default 2000 20000)",
    )
    add(
        "--scaling",
        action="store_true",
        help="time each stage at both ends of --sizes (default 10000 100000), alternating; report big/small",
    )
    add("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="sizes for --scaling")
    add(
        "--bytecode",
        choices=("compile", "as-found"),
        default="compile",
        help="compile mlops_refs' bytecode first, as an installed package has it (default), or time the"
        " processes with whatever bytecode there is (none in a checkout under PYTHONDONTWRITEBYTECODE)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line: a single-size run, or with --scaling a two-size one; a table or JSON on stdout."""
    parser = _parser()
    args = parser.parse_args(argv)
    cache_root = (args.cache_dir or workspace.default_cache_root()).resolve()
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")

    bytecode = workspace.compile_bytecode() if args.bytecode == "compile" else "left as found"
    if args.scaling:
        sizes = sorted(set(args.sizes))
        if len(sizes) < 2:
            parser.error("--scaling needs two different --sizes")
        repeat = args.repeat or scaling.SCALING_REPEAT
        result = scaling.scaling(
            sizes, args.seed, repeat, cache_root, lambda text: print(text, file=sys.stderr)
        )
        result["machine"]["bytecode"] = bytecode
        print(json.dumps(result, indent=2) if args.json else report.scaling_table(result))
        return 0

    if args.size < 1:
        parser.error("--size must be at least 1")
    if args.bookmarks < 2:
        parser.error("--bookmarks must be at least 2")
    if min(args.merge_sizes) < 1 or len(set(args.merge_sizes)) < 2:
        parser.error("--merge-sizes needs two different sizes of at least 1")
    repeat = args.repeat or (3 if args.size < 50_000 else 1)
    result = single.run(
        args.size, args.seed, repeat, cache_root, args.skip_peers, args.bookmarks, tuple(args.merge_sizes)
    )
    result["machine"]["bytecode"] = bytecode
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else report.table(result))
    return 0
