"""Timing and memory measurement shared by every benchmark.

Each engine runs each workload in fresh processes, in turns (ours, theirs, ours, theirs...,
so a busy machine slows both alike): warm-up runs first, then the median of timed runs, and
the median over the rounds. The same process measures its peak memory, as the growth of its
peak resident set size over the libraries' set-up. ``--same-process`` runs both engines
alternately in this one process instead (the older way, which makes them slow each other
down: see ``alternate_processes``).
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    workload: str
    unit: str                          # what one run processes, e.g. "images"
    items: int                         # how many of them per run
    ours_s: float | None = None        # median seconds per run
    theirs_s: float | None = None
    ours_peak_mb: float | None = None
    theirs_peak_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """Throughput ours / theirs (above 1: we are faster)."""
        if self.ours_s and self.theirs_s:
            return self.theirs_s / self.ours_s
        return None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def median_time(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def alternate(ours, theirs, repeats: int, rounds: int = 3, warmup: int = 10):
    """Median seconds per run of each, timed in alternating rounds, after ``warmup`` runs of
    each (enough for the allocator to reach its steady state: with two, a fresh process
    still grew its heap while being timed)."""
    ours_times, theirs_times = [], []
    for step in (ours, theirs):
        if step is not None:
            for _ in range(warmup):
                step()
    for _ in range(rounds):
        ours_times.append(median_time(ours, repeats))
        if theirs is not None:
            theirs_times.append(median_time(theirs, repeats))
    return (statistics.median(ours_times),
            statistics.median(theirs_times) if theirs_times else None)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's VmHWM belongs to the address space, so it starts afresh in a new program;
    ``ru_maxrss`` would carry over the parent's peak through fork and exec.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_in_subprocess(workload: str, engine: str, device: str, repeats: int,
                          threads: int | None = None, quick: bool = False) -> dict | None:
    """``benchmarks.workloads.measure`` in a fresh process: ``{"seconds", "peak_mb"}``, or
    None when that process failed (its error is printed)."""
    code = ("import json; from benchmarks.workloads import measure; "
            f"print(json.dumps(measure({workload!r}, {engine!r}, {device!r}, {repeats!r}, "
            f"{threads!r}, {quick!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, check=False)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"{workload} ({engine}) failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None


def alternate_processes(workload: str, engines: list[str], device: str, repeats: int,
                        rounds: int, threads: int | None = None,
                        quick: bool = False) -> list[dict | None]:
    """Each engine's median seconds and peak memory over ``rounds`` fresh processes, taken in
    turns (ours, theirs, ours, theirs...), so a machine that slows down for a while slows
    every engine alike.

    Why processes: in one process the two engines slow each other down. After its work each
    library's worker threads keep spinning for a while (OpenBLAS's, PyTorch's OpenMP pool),
    on the cores the other engine then needs: measured here, PyTorch's LeNet-5 step took
    about twice as long right after ours as after its own. No one trains with both at once.
    """
    runs = {engine: [] for engine in engines}
    for _ in range(rounds):
        for engine in engines:
            found = measure_in_subprocess(workload, engine, device, repeats, threads, quick)
            if found is not None:
                runs[engine].append(found)
    summary = []
    for engine in engines:
        if not runs[engine]:
            summary.append(None)
            continue
        summary.append({**runs[engine][0],
                        **{key: statistics.median(run[key] for run in runs[engine])
                           for key in ("seconds", "peak_mb")}})
    return summary


def format_table(results: list[Result], title: str) -> str:
    header = (f"{'workload':<34} {'ours':>12} {'PyTorch':>12} {'ratio':>7} "
              f"{'peak ours':>10} {'peak torch':>10}")
    lines = [title, header, "-" * len(header)]
    def rate(items, seconds):
        return f"{items / seconds:,.0f}/s" if seconds else "-"

    def mb(value):
        return f"{value:.0f} MB" if value is not None else "-"
    for r in results:
        ratio = f"{r.ratio:.2f}x" if r.ratio else "-"
        lines.append(f"{r.workload:<34} {rate(r.items, r.ours_s):>12} {rate(r.items, r.theirs_s):>12} "
                     f"{ratio:>7} {mb(r.ours_peak_mb):>10} {mb(r.theirs_peak_mb):>10}")
        for note in r.notes:
            lines.append(f"    {note}")
    lines.append("ratio = our throughput / PyTorch's (above 1.00x: faster than PyTorch)")
    return "\n".join(lines)


def write_json(results: list[Result], path: str, meta: dict) -> None:
    with open(path, "w") as f:
        json.dump({"meta": meta, "results": [r.as_dict() for r in results]}, f, indent=2)
