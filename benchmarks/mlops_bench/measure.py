"""Timing: in-process stages (looped, sampled round robin) and commands (through a small launcher)."""

from __future__ import annotations

import gc
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

MIN_SAMPLE_SECONDS = 0.05
PROCESS_TIMEOUT = 3600.0


class BenchError(Exception):
    """A stage could not run (a failing command, a missing API)."""


class PeakRss:
    """Peak resident set size of this process since the last reset (Linux: /proc/self/clear_refs)."""

    def __init__(self) -> None:
        self.available = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    def reset(self) -> None:
        """Start a new peak."""
        if self.available:
            self._reset()

    def read_mb(self) -> float | None:
        """The peak since the last reset, in MB (None where the platform cannot tell)."""
        if not self.available:
            return None
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None


class Stage(NamedTuple):
    """An in-process stage: the call to time and, optionally, an untimed preparation before each call."""

    fn: Callable[[], Any]
    setup: Callable[[], Any] | None = None


class Figures(NamedTuple):
    """Median wall and CPU seconds of one call; peak RSS (MB) during the first call, when tracked; the least
    CPU time of any sample (what the call costs when nothing else disturbs it)."""

    seconds: float
    cpu_seconds: float
    rss_mb: float | None
    min_cpu_seconds: float


def sample(stage: Stage, loops: int = 1, tracker: PeakRss | None = None) -> tuple[float, float, float | None]:
    """Wall and CPU seconds per call of ``loops`` calls, and the peak RSS when tracked."""
    if stage.setup is not None:
        stage.setup()
    gc.collect()
    if tracker is not None:
        tracker.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(loops):
        stage.fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / loops, cpu / loops, tracker.read_mb() if tracker is not None else None


def measure(stages: dict[str, Stage], repeat: int, tracker: PeakRss | None = None) -> dict[str, Figures]:
    """Time each stage ``repeat`` times, round robin, so that a change in machine load hits every stage of
    the group alike (ours and the floor it is compared with). A stage whose first call takes under 50 ms is
    looped until a sample lasts that long (unless it has a setup); its first call then only calibrates."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in stages}
    loops: dict[str, int] = {}
    peaks: dict[str, float | None] = {}
    for name, stage in stages.items():
        wall, cpu, peaks[name] = sample(stage, 1, tracker)
        if stage.setup is not None or wall >= MIN_SAMPLE_SECONDS:
            samples[name].append((wall, cpu))
            loops[name] = 1
        else:
            loops[name] = max(1, min(10_000, math.ceil(MIN_SAMPLE_SECONDS / max(wall, 1e-7))))
    while any(len(done) < repeat for done in samples.values()):
        for name, stage in stages.items():
            if len(samples[name]) < repeat:
                wall, cpu, _ = sample(stage, loops[name])
                samples[name].append((wall, cpu))
    return {
        name: Figures(
            statistics.median(w for w, _ in done),
            statistics.median(c for _, c in done),
            peaks[name],
            min(c for _, c in done),
        )
        for name, done in samples.items()
    }


def cpu_per_call(stages: list[Stage], gc_off: bool = False) -> float:
    """CPU seconds per call, calling each stage once; a stage's setup runs before it and is not timed.
    With ``gc_off``, the cyclic garbage collector is off during the calls."""
    gc.collect()
    used = 0.0
    if gc_off:
        gc.disable()
    try:
        for stage in stages:
            if stage.setup is not None:
                stage.setup()
            start = time.process_time()
            stage.fn()
            used += time.process_time() - start
    finally:
        if gc_off:
            gc.enable()
    return used / len(stages)


def alternate(small: Callable[[], Any], big: Callable[[], Any], repeat: int) -> tuple[list[Any], list[Any]]:
    """``repeat`` samples of each side, in the order small, big, big, small, small, big, ..."""
    smalls: list[Any] = []
    bigs: list[Any] = []
    for i in range(repeat):
        if i % 2 == 0:
            smalls.append(small())
            bigs.append(big())
        else:
            bigs.append(big())
            smalls.append(small())
    return smalls, bigs


_RSS_UNIT = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB elsewhere


def own_peak_rss_mb() -> float:
    """The peak RSS of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / _RSS_UNIT, 1)


# A child's ru_maxrss counts the memory of the process that forked it (Linux keeps the larger of the two
# across exec), so a child forked by this bench would report the bench's own size. Commands are therefore
# started by this small launcher (python -S -I, builtins only), which spawns the command, waits for it and
# writes "seconds max_rss return_code cpu_seconds" to the file named by its first argument.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    code = os.waitstatus_to_exitcode(status)
    fh.write(f"{elapsed} {usage.ru_maxrss} {code} {usage.ru_utime + usage.ru_stime}")
"""
_CAN_LAUNCH = hasattr(os, "posix_spawnp") and hasattr(os, "wait4")


class ProcessRun(NamedTuple):
    """One finished command: wall and CPU seconds, peak RSS in MB (None where the platform cannot tell)."""

    seconds: float
    cpu_seconds: float | None
    rss_mb: float | None
    min_cpu_seconds: float | None = None


def run_process(
    cmd: list[str], env: dict[str, str] | None = None, timeout: float = PROCESS_TIMEOUT
) -> ProcessRun:
    """Run a command to completion and measure it. Raises BenchError when it fails or times out."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        full = [sys.executable, "-S", "-I", "-c", LAUNCHER, str(report), *cmd] if _CAN_LAUNCH else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the command it started
            proc.wait()
            raise BenchError(f"{' '.join(cmd)} took more than {timeout:g} s") from None
        result = ProcessRun(time.perf_counter() - start, None, None)
        if _CAN_LAUNCH and report.is_file():
            seconds, maxrss, code_text, cpu = report.read_text().split()
            result = ProcessRun(float(seconds), float(cpu), int(maxrss) / _RSS_UNIT)
            code = int(code_text)
        if code != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise BenchError(f"{' '.join(cmd)} exited with {code}: {tail.strip()}")
    return result


def summarise(runs: list[ProcessRun]) -> ProcessRun:
    """Median wall and CPU seconds, largest peak RSS."""
    cpus = [r.cpu_seconds for r in runs if r.cpu_seconds is not None]
    peaks = [r.rss_mb for r in runs if r.rss_mb is not None]
    return ProcessRun(
        statistics.median(r.seconds for r in runs),
        statistics.median(cpus) if cpus else None,
        round(max(peaks), 1) if peaks else None,
        min(cpus) if cpus else None,
    )


Command = Callable[[], tuple[list[str], dict[str, str] | None]]


def measure_processes(commands: dict[str, Command], repeat: int) -> dict[str, ProcessRun | BenchError]:
    """Each command run ``repeat`` times, round robin (so that a change in machine load hits all of them
    alike), summarised; a failing command maps to its error. A first run under a second is a warm-up (it
    fills the OS and .pyc caches) and is left out; a slower one counts as a sample."""
    runs: dict[str, list[ProcessRun]] = {name: [] for name in commands}
    failed: dict[str, BenchError] = {}
    for name, make_cmd in commands.items():
        try:
            first = run_process(*make_cmd())
        except BenchError as exc:
            failed[name] = exc
            continue
        if first.seconds >= 1.0:
            runs[name].append(first)
    while any(len(runs[name]) < repeat for name in commands if name not in failed):
        for name, make_cmd in commands.items():
            if name in failed or len(runs[name]) >= repeat:
                continue
            try:
                runs[name].append(run_process(*make_cmd()))
            except BenchError as exc:
                failed[name] = exc
    return {name: failed[name] if name in failed else summarise(runs[name]) for name in commands}


class Recorder:
    """The figures of one run, filled stage by stage."""

    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.min_cpu_seconds: dict[str, float] = {}
        self.peak_rss: dict[str, float] = {}
        self.skipped: dict[str, str] = {}
        self.tracker = PeakRss()

    def time(self, stages: dict[str, Stage], peak: bool = False) -> None:
        """Time in-process stages, interleaved; with ``peak``, also their peak RSS."""
        for name, figures in measure(stages, self.repeat, self.tracker if peak else None).items():
            self.seconds[name], self.cpu_seconds[name] = figures.seconds, figures.cpu_seconds
            self.min_cpu_seconds[name] = figures.min_cpu_seconds
            if figures.rss_mb is not None:
                self.peak_rss[name] = round(figures.rss_mb, 1)

    def time_samples(self, name: str, samples: list[tuple[float, float]]) -> None:
        """Keep the figures of a stage sampled by hand: (wall, CPU) seconds per call."""
        self.seconds[name] = statistics.median(w for w, _ in samples)
        self.cpu_seconds[name] = statistics.median(c for _, c in samples)
        self.min_cpu_seconds[name] = min(c for _, c in samples)

    def processes(self, commands: dict[str, Command], repeat: int) -> None:
        """Time commands, interleaved; a failing one is reported under ``skipped``."""
        for name, outcome in measure_processes(commands, repeat).items():
            if isinstance(outcome, BenchError):
                self.skipped[name] = str(outcome)
            else:
                self.record(name, outcome)

    def record(self, name: str, run: ProcessRun) -> None:
        """Keep the figures of a command."""
        self.seconds[name] = run.seconds
        if run.cpu_seconds is not None:
            self.cpu_seconds[name] = run.cpu_seconds
        if run.min_cpu_seconds is not None:
            self.min_cpu_seconds[name] = run.min_cpu_seconds
        if run.rss_mb is not None:
            self.peak_rss[name] = run.rss_mb
