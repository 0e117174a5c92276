"""Time merging two generated libraries (and deduplicating their union) at two sizes; linear means <= 12x.

    python benchmarks/merge_scaling.py                       # 2,000 and 20,000 resources per library
    python benchmarks/merge_scaling.py --sizes 500 5000 --repeat 5 --json

The method is in ``mlops_bench/merging.py``; ``bench.py`` reports the same figures under ``merge`` and its
ratio ``merge_2k_to_20k``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlops_bench import merging


def main(argv: list[str] | None = None) -> int:
    """Command line: print the scaling figures as a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[2000, 20000], help="two library sizes")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="alternating runs per stage and size; the least CPU time counts"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = merging.scaling(args.sizes, args.seed, args.repeat)
    print(json.dumps(result, indent=2) if args.json else merging.table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
