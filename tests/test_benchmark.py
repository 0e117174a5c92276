"""The benchmark harness runs end to end on a tiny catalog and reports every documented key (no timing limits)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"

IN_PROCESS = (
    "yaml_parse",
    "schema_validation",
    "semantic_checks",
    "validation",
    "model_build",
    "load_catalog",
    "json_loads_catalog",
    "all_exports",
    "import_bookmarks",
)
PROCESSES = (
    "process_python_pass",
    "process_help",
    "process_export_bundled",
    "process_export_cold",
    "process_export_warm",
    "process_convert_bibtex",
    "process_import_bibtex",
)
PEERS = (
    "pybtex_write_bibtex",
    "bibtexparser_write_bibtex",
    "bibtexparser_write_bibtex_inplace",
    "json_dumps_csl",
    "lxml_tostring_opml",
    "lxml_tostring_zotero_rdf",
    "lxml_build_opml",
    "lxml_build_zotero_rdf",
    "html_parser_bookmarks",
)
RATIOS = (
    "all_exports_vs_pandoc",
    "bibtex_vs_bibtexparser",
    "bibtex_vs_bibtexparser_inplace",
    "bibtex_vs_pybtex",
    "csl_json_vs_json_dumps",
    "opml_vs_lxml",
    "zotero_rdf_vs_lxml",
    "opml_vs_lxml_tostring",
    "zotero_rdf_vs_lxml_tostring",
    "validate_vs_load",
    "warm_vs_cold",
    "help_vs_python",
    "export_bundled_vs_help",
    "load_vs_json_loads",
    "export_cold_vs_pandoc",
    "convert_vs_pandoc",
    "import_vs_pandoc",
    "bookmarks_import_vs_html_parser",
    "merge_2k_to_20k",
)


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def run_bench(cache_dir: Path, *args: str) -> dict:
    """Run bench.py with ``args`` and --json, and return its report."""
    done = subprocess.run(
        [sys.executable, str(BENCH), *args, "--json", "--cache-dir", str(cache_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bench_json_has_the_documented_keys(tmp_path: Path) -> None:
    from mlops_refs import formats

    result = run_bench(
        tmp_path, "--size", "50", "--repeat", "1", "--bookmarks", "300", "--merge-sizes", "30", "60"
    )

    assert result["size"] == 50
    assert result["repeat"] == 1
    assert result["catalog"]["resources"] == 50
    assert result["catalog"]["files"] >= 2

    exports = tuple(f"export_{name.replace('-', '_')}" for name in formats())
    has_pandoc = shutil.which("pandoc") is not None
    expected = (
        IN_PROCESS
        + exports
        + PROCESSES
        + PEERS
        + (("pandoc_bibtex_to_csljson", "pandoc_beside_commands") if has_pandoc else ())
    )
    seconds = result["seconds"]
    missing = [key for key in expected if key not in seconds]
    assert missing == [], f"stages missing from 'seconds': {missing}; skipped: {result['skipped']}"
    assert [k for k, v in seconds.items() if not _positive(v)] == []

    least, median = result["min_cpu_seconds"], result["cpu_seconds"]
    for key in IN_PROCESS + exports:
        assert 0 <= least[key] <= median[key], (key, least.get(key), median.get(key))

    rss = result["peak_rss_mb"]
    for key in (*PROCESSES, "bench_process"):
        assert _positive(rss.get(key)), (key, rss.get(key))

    ratios = result["ratios"]
    assert set(RATIOS) <= set(ratios)
    for name in RATIOS:
        if name.endswith("_vs_pandoc") and not has_pandoc:
            assert ratios[name] is None
        else:
            assert _positive(ratios[name]), (name, ratios[name])

    bookmarks = result["bookmarks"]
    assert bookmarks["bookmarks"] == 300, bookmarks  # every generated bookmark read
    assert Path(bookmarks["path"]).read_text(encoding="utf-8").count("<DT><A ") == 300

    merge = result["merge"]
    assert (merge["small"]["size"], merge["big"]["size"]) == (30, 60)
    assert ratios["merge_2k_to_20k"] == round(merge["ratios"]["merge_s"], 4)
    for side in ("small", "big"):
        check = merge[side]["check"]
        assert check["merged"] > 0, check
        assert check["missed"] == check["wrongly_merged"] == check["candidates_missed"] == [], check

    for name, target in result["targets"].items():
        assert set(target) == {"max", "value", "met"}, name
        assert _positive(target["max"]), name

    machine = result["machine"]
    assert _positive(machine["cpu_count"])
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert machine["platform"]
    assert machine["bytecode"].startswith(("compiled", "left as found"))


def test_bench_scaling_compares_every_size_dependent_stage(tmp_path: Path) -> None:
    from mlops_refs import formats

    report = run_bench(tmp_path, "--scaling", "--sizes", "40", "20", "--skip-peers", "--repeat", "2")
    assert (report["sizes"], report["size_ratio"], report["limit"]) == ([20, 40], 2.0, 2.4)
    assert (report["repeat"], report["small_calls_per_sample"], report["small_seeds"]) == (2, 2, [1, 2])
    exports = {f"export_{name.replace('-', '_')}" for name in formats()}
    ours = set(IN_PROCESS) - {"json_loads_catalog", "import_bookmarks"}  # a floor; a size of its own
    expected = exports | ours | {"process_export_cold", "process_export_warm"}
    assert set(report["scaling"]) == expected, report["skipped"]
    assert set(report["within_limit"]) == set(report["paired_median"]) == expected
    for stage, ratio in report["scaling"].items():
        small, big = report["cpu_seconds"][stage]["20"], report["cpu_seconds"][stage]["40"]
        assert len(small) == len(big) == 2, stage
        assert all(_positive(value) for value in small + big), stage
        assert ratio == round(min(big) / min(small), 3), stage
        assert report["within_limit"][stage] == (ratio <= 2.4), stage
        low, high = sorted(b / s for s, b in zip(small, big, strict=True))
        assert round(low, 3) <= report["paired_median"][stage] <= round(high, 3), stage
    assert report["worst"] == max(report["scaling"], key=report["scaling"].__getitem__)
    assert all(_positive(mb) for mb in report["peak_rss_mb_export_cold"].values())
    assert set(report["peak_rss_mb_export_cold"]) == {"20", "40"}
