"""Time every stage of mlops-refs on a generated catalog of N resources, beside peer tools and floors.

    python benchmarks/bench.py --size 10000              # table
    python benchmarks/bench.py --size 10000 --json       # one JSON object
    python benchmarks/bench.py --scaling                 # 10k and 100k, per-stage ratio big/small

The code is the package ``mlops_bench`` beside this file; benchmarks/README.md documents the method and
every key of the JSON output.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlops_bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
