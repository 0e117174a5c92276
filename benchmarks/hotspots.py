"""cProfile of load_catalog and of each exporter on a generated catalog: where the time goes.

    python benchmarks/hotspots.py --size 10000                  # load + every exporter, top 15 each
    python benchmarks/hotspots.py --size 10000 --stage load     # only load_catalog
    python benchmarks/hotspots.py --size 10000 --stage bibtex --top 30 --sort cumulative

Uses the same cached catalogs as bench.py (same --cache-dir and --seed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlops_bench import stages, workspace
from mlops_bench.cli import DEFAULT_SEED


def profile_call(label: str, fn: Callable[[], object], top: int, sort: str) -> str:
    """Profile one call and return the top of its statistics as text."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    return f"=== {label}: {total:.3f} s under the profiler, top {top} by {sort}\n{out.getvalue()}"


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="resources (default 10000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default 1)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where generated catalogs are kept")
    parser.add_argument("--stage", default="all", help="load, a format name, or all (default)")
    parser.add_argument("--top", type=int, default=15, help="rows per profile (default 15)")
    parser.add_argument(
        "--sort", default="tottime", help="pstats sort key: tottime (default), cumulative, ..."
    )
    args = parser.parse_args(argv)

    import mlops_refs

    catalog_dir, _ = workspace.ensure_catalog(
        args.size, args.seed, (args.cache_dir or workspace.default_cache_root())
    )
    stages.warm_up()

    if args.stage in ("all", "load"):
        print(profile_call("load_catalog", lambda: mlops_refs.load_catalog(catalog_dir), args.top, args.sort))
    if args.stage == "load":
        return 0
    catalog = mlops_refs.load_catalog(catalog_dir)
    names = mlops_refs.formats() if args.stage == "all" else [args.stage]
    for name in names:
        print(profile_call(f"dumps {name}", lambda n=name: mlops_refs.dumps(catalog, n), args.top, args.sort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
