"""The export cache trusts nothing it reads: plain bytes, checked, content-addressed, in a private folder."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_refs import cache, files, pipeline
from mlops_refs.cli import main
from mlops_refs.exporters import default_registry

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good"
WARM_RUN = """
import sys
from mlops_refs.cli import main
status = main(["export", "--catalog", sys.argv[1], "--out", sys.argv[2]])
print(status, sorted(m for m in ("mlops_refs.catalog", "mlops_refs.model", "yaml") if m in sys.modules))
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args], env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, MLOPS_REFS_CACHE_DIR=str(tmp_path / "cache"))


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOOD, tmp_path / "catalog"))


def exported(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_cache_holds_checked_plain_bytes_and_a_warm_run_never_loads_the_catalog(
    env: dict[str, str], catalog: Path, tmp_path: Path
) -> None:
    assert run(env, "export", "--catalog", str(catalog), "--out", str(tmp_path / "cold")).returncode == 0
    folder = tmp_path / "cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    entries = sorted(folder.glob("*.out"))
    assert len(entries) == len(default_registry.names())
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".out") == [
        p.name for p in folder.glob("entry-points-*.json")
    ]  # no pickle, nothing else
    for entry in entries:
        header, _, body = entry.read_bytes().partition(b"\n")
        magic, version, length, digest = header.split()
        assert (magic, version) == (b"mlops-refs-output", b"2")
        assert int(length) == len(body)
        assert digest.decode() == hashlib.sha256(body).hexdigest()
    warm = subprocess.run(
        [sys.executable, "-c", WARM_RUN, str(catalog), str(tmp_path / "warm")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert warm.stdout == "0 []\n"
    assert exported(tmp_path / "warm") == exported(tmp_path / "cold")


def test_a_truncated_or_edited_entry_is_never_served(
    env: dict[str, str], catalog: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good"
    assert run(env, "export", "--catalog", str(catalog), "--out", str(good)).returncode == 0
    for i, entry in enumerate(sorted((tmp_path / "cache").glob("*.out"))):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if i % 2 else data.replace(b"Attention", b"Retention"))
    result = run(env, "export", "--catalog", str(catalog), "--out", str(good), "--check")
    assert (result.returncode, result.stdout) == (
        0,
        f"ok: {len(default_registry.names())} file(s) up to date\n",
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mlops-refs.bib").write_bytes(exported(good)["mlops-refs.bib"][:935])
    result = run(env, "export", "--catalog", str(catalog), "--out", str(bad), "-f", "bibtex", "--check")
    assert (result.returncode, result.stderr) == (
        1,
        f"stale: {bad / 'mlops-refs.bib'} (run: mlops-refs export)\n",
    )
    for i, entry in enumerate(sorted((tmp_path / "cache").glob("*.out"))):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if i % 2 else data.replace(b"Attention", b"Retention"))
    assert run(env, "export", "--catalog", str(catalog), "--out", str(tmp_path / "again")).returncode == 0
    assert exported(tmp_path / "again") == exported(good)


def test_the_cache_stores_the_bytes_this_run_wrote_not_what_sits_at_the_target_later(
    tmp_path: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run replacing the targets right after our commit must not put its bytes under our key."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    reference = tmp_path / "reference"
    assert main(["export", "--catalog", str(catalog), "--out", str(reference), "--no-cache"]) == 0
    out = tmp_path / "out"
    real_commit = files.StagedFiles.commit

    def commit_then_race(self: files.StagedFiles) -> None:
        targets = [s.target for s in self._staged]
        real_commit(self)
        for target in targets:  # what a concurrent export of another catalog would leave there
            target.write_text("another catalog's export\n", encoding="utf-8")

    monkeypatch.setattr(files.StagedFiles, "commit", commit_then_race)
    assert main(["export", "--catalog", str(catalog), "--out", str(out)]) == 0
    monkeypatch.setattr(files.StagedFiles, "commit", real_commit)
    assert main(["export", "--catalog", str(catalog), "--out", str(out)]) == 0
    assert exported(out) == exported(reference)


@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o770])
def test_a_cache_folder_others_can_write_is_refused(
    env: dict[str, str], catalog: Path, tmp_path: Path, mode: int
) -> None:
    shared = tmp_path / "cache"
    shared.mkdir()
    shared.chmod(mode)
    result = run(env, "export", "--catalog", str(catalog), "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    warning = f"mlops-refs: warning: not caching in {shared}: others can write into it (mode {mode:o}); chmod 700 it"
    assert result.stderr.splitlines()[0] == warning
    assert result.stderr.count("warning") == 1
    assert run(env, "formats").stderr == warning + "\n"  # the entry-point list obeys the same rule
    assert list(shared.iterdir()) == []
    assert len(exported(tmp_path / "out")) == len(default_registry.names())


def test_a_cache_folder_of_another_user_is_refused(
    env: dict[str, str], catalog: Path, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    theirs = tmp_path / "cache"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 12345, 12345)
    result = run(env, "export", "--catalog", str(catalog), "--out", str(tmp_path / "out"))
    assert (result.returncode, result.stderr.splitlines()[0]) == (
        0,
        f"mlops-refs: warning: not caching in {theirs}: it belongs to uid 12345, not to you",
    )
    assert list(theirs.iterdir()) == []


def test_a_symlink_planted_at_an_entry_is_neither_read_nor_written_through(
    tmp_path: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    victim = tmp_path / "victim.txt"
    victim.write_text("mlops-refs-output 2 3 0\nabc", encoding="utf-8")
    out = tmp_path / "out"
    plan = pipeline.plan_all(out, catalog)
    for job in plan.jobs:
        (folder / f"{job.key}.out").symlink_to(victim)
    assert main(["export", "--catalog", str(catalog), "--out", str(out)]) == 0
    assert victim.read_text(encoding="utf-8") == "mlops-refs-output 2 3 0\nabc"
    assert not any(p.is_symlink() for p in folder.iterdir())
    assert b"Attention Is All You Need" in (out / "mlops-refs.ris").read_bytes()


def test_the_cache_keeps_to_its_size_bound_evicting_the_least_recently_used(tmp_path: Path) -> None:
    store = cache.OutputCache(tmp_path, limit=3000)
    for i, name in enumerate(["a", "b", "c", "d"]):
        entry = tmp_path / f"{name}.out"
        entry.write_bytes(b"x" * 1000)
        os.utime(entry, ns=(i * 10**9, i * 10**9))
    store.evict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.out", "c.out", "d.out"]
    (tmp_path / "big.bin").write_bytes(b"y" * 5000)
    with open(tmp_path / "big.bin", "rb") as fh:
        store.store("e" * 64, fh.fileno())  # larger than the whole bound: not kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.out", "big.bin", "c.out", "d.out"]


def test_a_stored_range_reads_back_as_exactly_those_bytes(tmp_path: Path) -> None:
    """The worker keeps each export from its part of one shared file: the entry holds that part alone."""
    store = cache.OutputCache(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "parts.bin").write_bytes(b"first export|second export|third")
    with open(tmp_path / "parts.bin", "rb") as fh:
        store.store("a" * 64, fh.fileno(), 13, 27)
        store.store("b" * 64, fh.fileno(), 27, 40)  # past the end of the file: never kept
    served = io.BytesIO()
    assert store.copy_to("a" * 64, served)
    assert served.getvalue() == b"second export|"
    assert not store.copy_to("b" * 64, io.BytesIO())
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["a" * 64 + ".out"]


def test_the_size_bound_applies_to_a_whole_export(env: dict[str, str], catalog: Path, tmp_path: Path) -> None:
    env = dict(env, MLOPS_REFS_CACHE_LIMIT="20K")
    assert run(env, "export", "--catalog", str(catalog), "--out", str(tmp_path / "out")).returncode == 0
    sizes = [p.stat().st_size for p in (tmp_path / "cache").glob("*.out")]
    assert 0 < len(sizes) < len(default_registry.names())
    assert sum(sizes) <= 20 * 1024


PLUGIN = '''
"""A plugin package whose output comes from a helper module."""
from mlops_refs.exporters import BaseExporter
from .helper import line


class ListExporter(BaseExporter):
    name = "list"
    extension = ".txt"
    media_type = "text/plain"
    description = "One line a resource."
    default_filename = "list.txt"

    def write(self, catalog, stream):
        for resource in catalog.resources:
            stream.write(line(resource))
'''


def test_a_change_in_a_plugins_helper_module_reaches_the_cache(
    env: dict[str, str], catalog: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    package = site / "listplugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    helper = package / "helper.py"
    helper.write_text("def line(r):\n    return f'- {r.id}\\n'\n", encoding="utf-8")
    dist = site / "listplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: listplugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[mlops_refs.exporters]\nlist = listplugin:ListExporter\n", encoding="utf-8"
    )
    env = dict(env, PYTHONPATH=str(site))
    args = ("export", "--catalog", str(catalog), "-f", "list", "-o", str(tmp_path / "list.txt"))
    assert run(env, *args).returncode == 0
    assert (tmp_path / "list.txt").read_text(encoding="utf-8").startswith("- vaswani2017attention\n")
    helper.write_text("def line(r):\n    return f'* {r.title}\\n'\n", encoding="utf-8")
    assert run(env, *args).returncode == 0
    assert (tmp_path / "list.txt").read_text(encoding="utf-8").startswith("* Attention Is All You Need\n")


NO_HOME = """
import pwd, sys


def no_entry(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")


pwd.getpwuid = no_entry  # as for `docker run -u 12345`: a uid without a passwd entry
import mlops_refs
from mlops_refs.cli import main

if sys.argv[1] == "api":
    print(mlops_refs.formats())
else:
    sys.exit(main(sys.argv[1:]))
"""


def test_no_home_and_no_passwd_entry_works_without_a_cache(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", cache.CACHE_ENV, "XDG_CACHE_HOME")}

    def homeless(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", NO_HOME, *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )

    formats = homeless("formats")
    assert (formats.returncode, formats.stderr) == (0, "")
    assert "bibtex (alias bib)" in formats.stdout
    for extra in ([], ["--no-cache"]):
        result = homeless("export", "--catalog", str(GOOD), "-f", "ris", "-o", "-", *extra)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout.count("ER  -") == 12
    result = homeless("export", "--catalog", str(GOOD))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == sorted(
        c.default_filename for c in default_registry.classes()
    )
    api = homeless("api")
    assert api.stdout.startswith("['biblatex', 'bibtex'"), api.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_a_change_in_any_file_of_mlops_refs_changes_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = Path(shutil.copytree(Path(cache.__file__).parent, tmp_path / "mlops_refs"))
    monkeypatch.setattr(cache, "_PACKAGE", copy)
    fingerprint = cache._package_fingerprint.__wrapped__
    before = fingerprint()
    assert fingerprint() == before
    ris = copy / "exporters" / "ris.py"
    ris.write_text(ris.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert fingerprint() != before


def test_an_interrupted_cache_write_leaves_no_temp_entry(tmp_path: Path) -> None:
    def interrupted(out: object) -> None:
        out.write(b"half")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.write_entry(tmp_path / "e.out", interrupted)
    assert list(tmp_path.iterdir()) == []
