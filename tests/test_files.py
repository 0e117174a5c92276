"""Writing export files: devices in place, every target checked first, all replaced or none, no leftovers."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlops_refs
from conftest import skip_or_fail
from mlops_refs import files, load_catalog
from mlops_refs.cli import main
from mlops_refs.exporters import default_registry

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = str(FIXTURES / "good")
EVIL = str(FIXTURES / "evil")


def cli(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        **kwargs,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry of a folder (hidden ones too), by name: bytes for files, b'<dir>' for folders."""
    return {p.name: (b"<dir>" if p.is_dir() else p.read_bytes()) for p in sorted(folder.iterdir(), key=str)}


def expected_files(catalog: str | None) -> dict[str, bytes]:
    loaded = load_catalog(catalog)
    return {
        cls.default_filename: mlops_refs.dumps(loaded, cls.name).encode("utf-8")
        for cls in default_registry.classes()
    }


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def old_and_new() -> tuple[dict[str, bytes], dict[str, bytes]]:
    return expected_files(GOOD), expected_files(None)


# -- devices, FIFOs and standard output are written in place --------------------------------------------


def test_a_character_device_stays_a_device(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        skip_or_fail("making a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", str(node))
    assert (result.returncode, result.stderr) == (0, f"wrote {node}\n")
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_the_python_api_writes_a_device_in_place(tmp_path: Path, good_catalog) -> None:
    if os.geteuid() != 0:
        skip_or_fail("making a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    mlops_refs.export(good_catalog, "ris", node)
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_dev_stdout_writes_to_standard_output() -> None:
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert result.stdout == mlops_refs.dumps(load_catalog(GOOD), "ris")


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", str(fifo), timeout=60)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received == [mlops_refs.dumps(load_catalog(GOOD), "ris").encode("utf-8")]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


# -- every target checked before the first rename; all replaced, or none --------------------------------


def test_a_target_that_is_a_folder_changes_nothing(tmp_path: Path, old_and_new) -> None:
    old, _ = old_and_new
    out = tmp_path / "out"
    assert cli("export", "--catalog", GOOD, "--out", str(out)).returncode == 0
    (out / "mlops-refs.ris").unlink()
    (out / "mlops-refs.ris").mkdir()
    before = snapshot(out)
    result = cli("export", "--out", str(out))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: cannot write {out / 'mlops-refs.ris'}: it is a folder; name a file instead\n",
    )
    assert snapshot(out) == before
    assert snapshot(out)["mlops-refs.bib"] == old["mlops-refs.bib"]


@pytest.mark.parametrize("hard_links", [True, False])
def test_a_failed_rename_puts_back_the_files_already_replaced(
    tmp_path: Path,
    old_and_new,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    hard_links: bool,
) -> None:
    old, _ = old_and_new
    out = tmp_path / "out"
    assert main(["export", "--catalog", GOOD, "--out", str(out), "--no-cache"]) == 0
    before = snapshot(out)
    assert before == old
    real_replace = os.replace
    renames: list[str] = []

    def failing_replace(src, dst) -> None:
        if (
            str(src).endswith(".tmp")
            and not str(src).endswith(".old.tmp")
            and not str(dst).endswith(".journal")
        ):
            renames.append(str(dst))
            if len(renames) == 4:
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    if not hard_links:  # as on a file system without them: the earlier files are kept as copies

        def no_link(src, dst) -> None:
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(files.os, "link", no_link)
    capsys.readouterr()
    assert main(["export", "--out", str(out), "--no-cache"]) == 2
    assert capsys.readouterr().err == (
        f"mlops-refs: error: cannot write {renames[-1]}: no space left on device; "
        "free some space and run again (earlier files are unchanged)\n"
    )
    assert len(renames) == 4
    assert snapshot(out) == before


def test_a_read_only_folder_is_one_line(tmp_path: Path, old_and_new) -> None:
    old, _ = old_and_new
    with tmpfs(tmp_path / "ro", "size=1m") as out:
        assert cli("export", "--catalog", GOOD, "--out", str(out)).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        result = cli("export", "--out", str(out))
        assert (result.returncode, result.stderr) == (
            2,
            (
                f"mlops-refs: error: cannot write {out / 'mlops-refs.biblatex.bib'}: read-only file system; "
                "write to another folder (earlier files are unchanged)\n"
            ),
        )
        assert snapshot(out) == old


def test_o_naming_a_folder_and_out_naming_a_file_are_one_line(tmp_path: Path) -> None:
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", str(tmp_path))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: -o {tmp_path} is a folder; give a file name, or use --out for a folder\n",
    )
    plain = tmp_path / "plain.txt"
    plain.write_text("keep\n", encoding="utf-8")
    result = cli("export", "--catalog", GOOD, "--out", str(plain))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: cannot write into {plain}: it is a file, not a folder\n",
    )
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", str(plain / "x.ris"))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: cannot write {plain / 'x.ris'}: {plain} is a file, not a folder\n",
    )
    assert snapshot(tmp_path) == {"plain.txt": b"keep\n"}


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``folder`` for the block (skip, or fail under strict mode, without mount)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_one_line_and_leaves_no_temp_file(tmp_path: Path, old_and_new) -> None:
    old, _ = old_and_new
    with tmpfs(tmp_path / "small", "size=128k") as disk:  # holds the small catalog's exports, not the bundled
        out = disk / "exports"
        assert cli("export", "--catalog", GOOD, "--out", str(out), "--no-cache").returncode == 0
        result = cli("export", "--out", str(out), "--no-cache")
        assert (result.returncode, result.stderr) == (
            2,
            (
                f"mlops-refs: error: cannot write {out / 'mlops-refs.biblatex.bib'}: no space left on device; "
                "free some space and run again (earlier files are unchanged)\n"
            ),
        )
        assert snapshot(out) == old
        assert snapshot(disk) == {"exports": b"<dir>"}


# -- temp files of killed runs, catalog sources, symlinks ------------------------------------------------


def test_temp_files_of_dead_runs_are_removed_and_ignored_by_git(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    dead, alive = dead_pid(), os.getpid()
    ours_dead = [
        f".mlops-refs.bib.{dead}.tmp",
        f".mlops-refs.ris.{dead}.k2x9_q0a.tmp",
        f".x.{dead}.abcdefgh.old.tmp",
    ]
    kept = [f".mlops-refs.bib.{alive}.abcdefgh.tmp", ".notes.tmp", f"mlops-refs.bib.{dead}.tmp"]
    for name in ours_dead + kept:
        (out / name).write_text("left over\n", encoding="utf-8")
    assert cli("export", "--catalog", GOOD, "--out", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir() if p.name not in expected_files(GOOD)) == sorted(kept)
    repo = Path(__file__).parents[1]
    for name in [*ours_dead[:2], f".mlops-refs-commit.{dead}.abcdefgh.journal"]:
        ignored = subprocess.run(["git", "check-ignore", "-q", f"exports/{name}"], cwd=repo, check=False)
        assert ignored.returncode == 0, name


def test_a_catalog_source_file_is_never_overwritten(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_bytes((FIXTURES / "good" / "catalog.yaml").read_bytes())
    before = catalog.read_bytes()
    result = cli("export", "--catalog", str(catalog), "-f", "ris", "-o", str(catalog))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: refusing to write {catalog}: it is the catalog file {catalog}\n",
    )
    assert catalog.read_bytes() == before
    link = tmp_path / "link.ris"
    link.symlink_to(catalog)
    result = cli("export", "--catalog", str(tmp_path), "-f", "ris", "-o", str(link))
    assert result.stderr == f"mlops-refs: error: refusing to write {link}: it is the catalog file {catalog}\n"
    assert catalog.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["catalog.yaml", "link.ris"]


def test_a_replaced_symlink_gets_the_default_mode_not_its_targets(tmp_path: Path) -> None:
    private = tmp_path / "private.txt"
    private.write_text("secret\n", encoding="utf-8")
    private.chmod(0o600)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mlops-refs.ris").symlink_to(private)
    result = cli("export", "--catalog", GOOD, "-f", "ris", "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = (out / "mlops-refs.ris").lstat()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_ISREG(written.st_mode)
    assert stat.S_IMODE(written.st_mode) == 0o666 & ~umask
    assert private.read_text(encoding="utf-8") == "secret\n"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


# -- a commit journal: a killed run is rolled forward by the next one --------------------------------------


def test_recover_rolls_a_journal_forward(tmp_path: Path) -> None:
    dead = dead_pid()
    (tmp_path / "a.txt").write_text("old a\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("new b\n", encoding="utf-8")  # renamed before the kill
    (tmp_path / f".a.txt.{dead}.abcdefgh.tmp").write_text("new a\n", encoding="utf-8")
    (tmp_path / f".a.txt.{dead}.abcdefgh.old.tmp").write_text("old a\n", encoding="utf-8")
    moves = [[f".a.txt.{dead}.abcdefgh.tmp", "a.txt"], [f".b.txt.{dead}.zyxwvuts.tmp", "b.txt"]]
    moves.append([f".c.{dead}.abcdefgh.tmp", "../escape.txt"])
    (tmp_path / f".mlops-refs-commit.{dead}.abcdefgh.journal").write_text(
        json.dumps({"moves": moves}), encoding="utf-8"
    )
    files.recover(tmp_path)
    assert snapshot(tmp_path) == {"a.txt": b"new a\n", "b.txt": b"new b\n"}


FAULT_RUNNER = """
import sys
from mlops_refs.cli import main
sys.exit(main(["export", "--catalog", sys.argv[2], "--out", sys.argv[1], "--no-cache"]))
"""


@pytest.fixture(scope="module")
def big_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated catalog of 3,000 resources, so that writing takes long enough to be interrupted."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    folder = tmp_path_factory.mktemp("big") / "catalog"
    generate.generate(3000, 7, folder)
    return folder


def test_a_killed_export_leaves_old_or_new_files_and_the_next_run_completes_the_set(
    tmp_path: Path, big_catalog: Path
) -> None:
    """SIGKILL at random moments of writing every format: every visible file is always complete (old
    or new), after recover() the whole set is old or new, and the next run leaves no temp file."""
    import random
    import time

    old, new = expected_files(GOOD), expected_files(str(big_catalog))
    out = tmp_path / "exports"
    command = [sys.executable, "-c", FAULT_RUNNER, str(out), str(big_catalog)]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    duration = time.monotonic() - started  # only to spread the kills over one run, never asserted
    rng = random.Random(20261201)
    outcomes = []
    for _ in range(16):
        for p in out.iterdir():
            p.unlink()
        assert main(["export", "--catalog", GOOD, "--out", str(out), "--no-cache"]) == 0
        child = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            child.wait(timeout=rng.uniform(0.0, duration))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        visible = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
        assert set(visible) == set(old)
        for name, content in visible.items():
            assert content in (old[name], new[name]), f"{name} is neither the old nor the new version"
        outcomes.append(len([p for p in out.iterdir() if p.name.startswith(".")]))
        files.recover(out)
        assert snapshot(out) in (old, new), "the set is a mix of old and new files, or temp files are left"
    assert max(outcomes) > 0, "no kill landed while files were being written"
    assert main(["export", "--catalog", str(big_catalog), "--out", str(out), "--no-cache"]) == 0
    assert snapshot(out) == new


KILLED_IN_COMMIT = """
import os, sys, time
from mlops_refs import files
from mlops_refs.cli import main

real_replace = os.replace
done = []


def slow_replace(src, dst):
    real_replace(src, dst)
    renamed_export = os.path.dirname(dst) == sys.argv[1] and not os.path.basename(dst).startswith(".")
    if renamed_export and not str(src).endswith(".old.tmp"):
        done.append(dst)
        if len(done) == 3:  # three of the files renamed: signal, then wait to be killed
            open(sys.argv[2], "w").close()
            time.sleep(60)


files.os.replace = slow_replace
sys.exit(main(["export", "--out", sys.argv[1], "--no-cache"]))
"""


def test_a_run_killed_between_renames_is_rolled_forward_by_the_next_one(tmp_path: Path, old_and_new) -> None:
    import time

    _, new = old_and_new
    out = tmp_path / "exports"
    assert main(["export", "--catalog", GOOD, "--out", str(out), "--no-cache"]) == 0
    marker = tmp_path / "renamed-three"
    child = subprocess.Popen([sys.executable, "-c", KILLED_IN_COMMIT, str(out), str(marker)])
    deadline = time.monotonic() + 120
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.kill()
    child.wait()
    assert marker.exists()
    visible = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert sum(visible[name] == new[name] for name in new) == 3  # a mix, as the kill left it
    assert any(p.name.endswith(".journal") for p in out.iterdir())
    assert main(["export", "--catalog", GOOD, "-f", "ris", "-o", str(out / "extra.ris"), "--no-cache"]) == 0
    (out / "extra.ris").unlink()  # the next run into that folder finished the killed one's set first
    assert snapshot(out) == new


@contextlib.contextmanager
def disk_events(
    monkeypatch: pytest.MonkeyPatch, failing_sync: bool = False
) -> Iterator[list[tuple[str, str]]]:
    """Record, in order, each fsync (of the file or folder an fd names) and each rename; or fail each fsync
    of a file as a failing disk would."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        if failing_sync and not os.path.isdir(path):
            raise OSError(5, "Input/output error")
        events.append(("sync", path))
        real_fsync(fd)

    def replace(source, target) -> None:  # type: ignore[no-untyped-def]
        events.append(("rename", f"{os.fspath(source)} -> {os.fspath(target)}"))
        real_replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", fsync)
        patched.setattr(os, "replace", replace)
        yield events


def test_a_catalog_is_on_the_disk_before_its_renames_and_its_renames_before_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/proc/self/fd").is_dir():
        skip_or_fail("needs /proc/self/fd to name what an fd is")
    into = tmp_path / "mine"
    with disk_events(monkeypatch) as events:
        assert main(["import", str(FIXTURES / "good" / "catalog.yaml"), "--into", str(into)]) == 0
    renames = [(n, e) for n, (kind, e) in enumerate(events) if kind == "rename" and ".journal" not in e]
    assert "catalog.yaml" in {Path(e.split(" -> ")[1]).name for _n, e in renames}
    assert len(renames) >= 2
    for n, event in renames:
        staged = event.split(" -> ")[0]
        assert ("sync", staged) in events[:n], f"{staged} was renamed before it was synced"
    folders = {str(Path(e.split(" -> ")[1]).parent) for _n, e in renames}
    last = max(n for n, _e in renames)
    assert folders <= {path for kind, path in events[last:] if kind == "sync"}


def test_exports_are_not_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/fd").is_dir():
        skip_or_fail("needs /proc/self/fd to name what an fd is")
    with disk_events(monkeypatch) as events:
        assert main(["export", "--catalog", GOOD, "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    assert [e for e in events if e[0] == "sync"] == []


def test_a_disk_that_fails_to_sync_a_catalog_file_is_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/proc/self/fd").is_dir():
        skip_or_fail("needs /proc/self/fd to name what an fd is")
    into = tmp_path / "mine"
    assert main(["import", str(FIXTURES / "good" / "catalog.yaml"), "--into", str(into)]) == 0
    before = {p.relative_to(into): p.read_bytes() for p in into.rglob("*") if p.is_file()}
    capsys.readouterr()
    bib = tmp_path / "more.bib"
    bib.write_text("@misc{fresh, title={A new one}, url={https://example.org/fresh}}\n", encoding="utf-8")
    with disk_events(monkeypatch, failing_sync=True):
        assert main(["import", str(bib), "--into", str(into)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert "input/output error" in err[-1].lower()
    assert "Traceback" not in "\n".join(err)
    assert {p.relative_to(into): p.read_bytes() for p in into.rglob("*") if p.is_file()} == before
