"""One busy competing process for a benchmark run (``python -m benchmarks --contend``).

A learner's machine rarely runs one program: a notebook kernel or a browser keeps a core busy
now and then, and an engine that relies on every core (BLAS threads waiting for each other)
loses more than one that does not. ``--contend`` makes that case repeatable: one Python busy
loop, the simplest steady load, runs beside the whole benchmark.

It can never outlive the run: it stops by itself after ``limit_s`` seconds, and as soon as
its parent is gone (it watches its parent's process id), and the benchmark stops it at the
end of the run, also after an error or Ctrl-C.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

# A bound on any full run (a full --vs torch run takes minutes); the run stops it earlier.
DEFAULT_LIMIT_S = 1800.0

HEADER_NOTE = "with one busy competing process (--contend)"

BUSY_LOOP = """\
import os, sys, time
parent, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
count = 0
while time.monotonic() < deadline and os.getppid() == parent:
    for _ in range(100_000):        # a few milliseconds of pure interpreter work
        count += 1
"""


def start(limit_s: float = DEFAULT_LIMIT_S) -> subprocess.Popen:
    """Start the busy loop (it stops by itself after ``limit_s`` or when this process ends)."""
    return subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(os.getpid()), str(limit_s)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    """Stop the busy loop and wait for it (killed if it does not stop in a few seconds)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def busy_competitor(enabled: bool = True, limit_s: float = DEFAULT_LIMIT_S):
    """Run the block beside one busy loop (``enabled=False``: alone); yields the process."""
    if not enabled:
        yield None
        return
    process = start(limit_s)
    try:
        yield process
    finally:
        stop(process)
