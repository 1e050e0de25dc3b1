"""Which core each thread of a training process runs on, sampled while it trains.

``PYTHONPATH=. .venv/bin/python tools/perf/thread_placement.py`` runs the 6x14x14
convolution benchmark row for 2 s and samples every 50 ms, from ``/proc/self/task/*/stat``,
each thread's state and core (its own sampling thread left out). On this project's 2-core
machine some processes ran that row in ~2.8 ms and others in ~5.5 ms; OpenBLAS's worker was
always running (it spins between products), and the slow ones had the main thread on the
worker's core. A developer tool for that question, not a test. Linux only.
"""
from __future__ import annotations

import collections
import os
import threading
import time

from benchmarks.workloads import conv2d_fwd_bwd, warm_up


def sample(seconds: float = 2.0) -> tuple[float, collections.Counter]:
    step = conv2d_fwd_bwd("conv2d 64x6x14x14 * 16x6x5x5", "ours")[0]
    warm_up(step)
    seen: collections.Counter = collections.Counter()
    done = threading.Event()

    def sampler():
        me, main = str(threading.get_native_id()), str(os.getpid())
        while not done.is_set():
            threads = []
            for tid in os.listdir("/proc/self/task"):
                if tid == me:
                    continue
                try:
                    with open(f"/proc/self/task/{tid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                threads.append(("main" if tid == main else "worker", fields[0], int(fields[36])))
            seen[tuple(sorted(threads))] += 1
            time.sleep(0.05)
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    done.set()
    return (time.perf_counter() - start) / steps, seen


if __name__ == "__main__":
    per_step, seen = sample()
    print(f"{per_step * 1e3:.2f} ms per step; (thread, state, core) seen:")
    for threads, count in seen.most_common(4):
        print(f"  {count:4d}x {threads}")
