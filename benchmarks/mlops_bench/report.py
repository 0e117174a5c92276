"""Ratios, targets and the human-readable tables of a run."""

from __future__ import annotations

from typing import Any

from . import merging, workspace
from .measure import Recorder

# ratio name -> (numerator stage, denominator stage, largest value that meets the target or None)
RATIOS: dict[str, tuple[str, str, float | None]] = {
    "all_exports_vs_pandoc": ("all_exports", "pandoc_bibtex_to_csljson", 0.1),
    "bibtex_vs_bibtexparser": ("export_bibtex", "bibtexparser_write_bibtex", 1 / 3),
    "bibtex_vs_bibtexparser_inplace": ("export_bibtex", "bibtexparser_write_bibtex_inplace", None),
    "bibtex_vs_pybtex": ("export_bibtex", "pybtex_write_bibtex", None),
    "csl_json_vs_json_dumps": ("export_csl_json", "json_dumps_csl", 2.0),
    "opml_vs_lxml": ("export_opml", "lxml_build_opml", 2.0),
    "zotero_rdf_vs_lxml": ("export_zotero_rdf", "lxml_build_zotero_rdf", 2.0),
    "opml_vs_lxml_tostring": ("export_opml", "lxml_tostring_opml", None),
    "zotero_rdf_vs_lxml_tostring": ("export_zotero_rdf", "lxml_tostring_zotero_rdf", None),
    "validate_vs_load": ("validation", "load_catalog", 0.2),
    "warm_vs_cold": ("process_export_warm", "process_export_cold", 0.2),
    "help_vs_python": ("process_help", "process_python_pass", 3.0),
    "export_bundled_vs_help": ("process_export_bundled", "process_help", 2.0),
    "load_vs_json_loads": ("load_catalog", "json_loads_catalog", 8.0),
    "export_cold_vs_pandoc": ("process_export_cold", "pandoc_beside_commands", 0.15),
    "convert_vs_pandoc": ("process_convert_bibtex", "pandoc_beside_commands", 0.1),
    "import_vs_pandoc": ("process_import_bibtex", "pandoc_beside_commands", 0.2),
    "bookmarks_import_vs_html_parser": ("import_bookmarks", "html_parser_bookmarks", 4.0),
}
# The merge's ratio is of CPU times at two sizes, not of two stages: merging.LINEAR_LIMIT is its target.
MERGE_RATIO = "merge_2k_to_20k"
PEAK_RSS_LIMIT_MB = 1024.0  # for process_export_cold; the target is stated at 100,000 resources
SIZE_INDEPENDENT = frozenset(
    {
        "process_help",
        "process_python_pass",
        "process_export_bundled",
        "import_bookmarks",
        "html_parser_bookmarks",
    }
)
STAGE_ORDER = (
    "yaml_parse",
    "schema_validation",
    "semantic_checks",
    "validation",
    "model_build",
    "load_catalog",
)


def _target(limit: float, value: float | None) -> dict[str, Any]:
    return {"max": round(limit, 4), "value": value, "met": None if value is None else value <= limit}


def single_result(
    size: int,
    seed: int,
    rec: Recorder,
    catalog: dict[str, Any],
    extra: dict[str, Any],
    cache_names: list[str],
) -> dict[str, Any]:
    """The JSON-ready result of one run: figures, ratios and targets (documented in benchmarks/README.md)."""
    seconds = rec.seconds
    ratios: dict[str, float | None] = {}
    targets: dict[str, dict[str, Any]] = {}
    for name, (top, bottom, limit) in RATIOS.items():
        value = seconds[top] / seconds[bottom] if top in seconds and seconds.get(bottom) else None
        ratios[name] = None if value is None else round(value, 4)
        if limit is not None:
            targets[name] = _target(limit, ratios[name])
    merge = extra.get("merge")
    merge_ratio = merge["ratios"]["merge_s"] if merge else None
    ratios[MERGE_RATIO] = None if merge_ratio is None else round(merge_ratio, 4)
    targets[MERGE_RATIO] = _target(merging.LINEAR_LIMIT, ratios[MERGE_RATIO])
    cold_rss = rec.peak_rss.get("process_export_cold")
    targets["peak_rss_mb_export_cold"] = {
        "max": PEAK_RSS_LIMIT_MB,
        "value": cold_rss,
        "met": None if cold_rss is None else cold_rss < PEAK_RSS_LIMIT_MB,
    }
    for name, value in ratios.items():
        if value is None and name not in rec.skipped:
            parts = RATIOS[name][:2] if name in RATIOS else ("merge",)
            why = [f"{part}: {rec.skipped[part]}" for part in parts if part in rec.skipped]
            rec.skipped[name] = "; ".join(why) or "a stage it compares was not measured"
    return {
        "size": size,
        "seed": seed,
        "repeat": rec.repeat,
        "catalog": catalog,
        "seconds": {k: round(v, 6) for k, v in seconds.items()},
        "cpu_seconds": {k: round(v, 6) for k, v in rec.cpu_seconds.items()},
        "min_cpu_seconds": {k: round(v, 6) for k, v in rec.min_cpu_seconds.items()},
        "peak_rss_mb": rec.peak_rss,
        "ratios": ratios,
        "targets": targets,
        **extra,
        "skipped": rec.skipped,
        "cache_env": cache_names,
        "machine": workspace.machine(),
    }


def fmt_seconds(value: float) -> str:
    """A duration in s, ms or µs, right-aligned."""
    if value >= 1:
        return f"{value:9.3f} s "
    if value >= 1e-3:
        return f"{value * 1e3:9.2f} ms"
    return f"{value * 1e6:9.1f} µs"


def table(result: dict[str, Any]) -> str:
    """The human-readable report of one run."""
    size = result["size"]
    seconds, rss = result["seconds"], result["peak_rss_mb"]
    ordered = [k for k in STAGE_ORDER if k in seconds]
    ordered += sorted(k for k in seconds if k.startswith("export_"))
    ordered += [k for k in seconds if k not in ordered]
    lines = [
        (
            f"mlops-refs benchmark: {size} resources, {result['catalog']['collections']} collections, "
            f"{result['catalog']['files']} files ({result['catalog']['bytes'] / 1e6:.1f} MB), "
            f"median of {result['repeat']}"
        ),
        "",
        f"{'stage':34} {'median':>12} {'CPU':>12} {'per resource':>14} {'peak RSS':>10}",
    ]
    cpu = result.get("cpu_seconds", {})
    for key in ordered:
        per = "" if key in SIZE_INDEPENDENT else f"{seconds[key] / size * 1e6:11.1f} µs"
        mem = f"{rss[key]:7.1f} MB" if rss.get(key) is not None else ""
        used = fmt_seconds(cpu[key]) if key in cpu else ""
        lines.append(f"{key:34} {fmt_seconds(seconds[key]):>12} {used:>12} {per:>14} {mem:>10}")
    lines += ["", f"{'ratio (ours / other)':34} {'value':>9} {'target':>9}  met"]
    for name, value in result["ratios"].items():
        target = result["targets"].get(name)
        shown = "n/a" if value is None else f"{value:.3f}"
        limit = f"<= {target['max']:.3g}" if target else ""
        met = "" if not target or target["met"] is None else ("yes" if target["met"] else "NO")
        lines.append(f"{name:34} {shown:>9} {limit:>9}  {met}")
    rss_target = result["targets"]["peak_rss_mb_export_cold"]
    if rss_target["value"] is not None:
        lines.append(
            f"{'peak RSS of cold export':34} {rss_target['value']:>6.0f} MB {'< 1024 MB':>9}  "
            f"{'yes' if rss_target['met'] else 'NO'} (the target is stated at 100,000 resources)"
        )
    bookmarks = result.get("bookmarks") or {}
    if "bookmarks" in bookmarks:
        lines.append(
            f"bookmark import: {bookmarks['bookmarks']} bookmarks, {bookmarks['bytes'] / 1e6:.1f} MB"
        )
    if result.get("merge"):
        lines += ["", merging.table(result["merge"])]
    for name, why in result["skipped"].items():
        lines.append(f"skipped {name}: {why}")
    m = result["machine"]
    lines += [
        "",
        f"machine: {m['cpu_count']} CPUs, Python {m['python']} ({m['implementation']}), {m['platform']}",
        f"catalog: {result['catalog']['path']}",
    ]
    return "\n".join(lines)


def scaling_table(report: dict[str, Any]) -> str:
    """The human-readable report of a scaling run."""
    small, big = (str(s) for s in report["sizes"])
    lines = [
        (
            f"scaling {small} -> {big} resources ({report['size_ratio']:g}x): each stage may cost at most "
            f"{report['limit']:g}x; {report['repeat']} alternating samples per size, "
            f"{report['small_calls_per_sample']} calls per sample at {small}"
        ),
        "",
        f"{'stage (least CPU s per call)':34} {small:>12} {big:>12} {'ratio':>8} {'paired':>8}  ok",
    ]
    for stage, ratio in report["scaling"].items():
        a, b = (min(report["cpu_seconds"][stage][size]) for size in (small, big))
        ok = "yes" if report["within_limit"][stage] else "NO"
        paired = report["paired_median"][stage]
        lines.append(f"{stage:34} {fmt_seconds(a):>12} {fmt_seconds(b):>12} {ratio:8.2f} {paired:8.2f}  {ok}")
    lines.append("")
    for size, mb in report["peak_rss_mb_export_cold"].items():
        lines.append(f"peak RSS of a cold export at {size}: {mb} MB")
    for name, why in report["skipped"].items():
        lines.append(f"skipped {name}: {why}")
    return "\n".join(lines)
