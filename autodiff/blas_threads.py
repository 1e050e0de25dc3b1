"""How many threads OpenBLAS splits each matrix product into: one for small products, and
one while another program keeps a core busy.

NumPy's matrix products run on OpenBLAS, which splits each product between its threads and
waits until every part is done. Two cases make that wait cost more than the split saves:

* **Small products.** Between two products a training step does other work, long enough
  for OpenBLAS's idle threads to go to sleep, and waking them costs tens of microseconds:
  more than a dense layer's whole product takes. Measured on a 2-core machine, an MLP's
  Adam step ran about 1.5x faster with one thread. Products of fewer than
  ``SMALL_PRODUCT`` multiply-adds run on one thread.
* **A busy machine.** When another program (a notebook kernel, a browser) keeps one of two
  cores busy, one of the threads waits for a turn on that core, and every product waits for
  it: beside one busy process a LeNet-5 training step ran about 2.3x faster with one thread
  (PyTorch, whose threads wait the same way, lost two thirds of its speed there).

``threads_for(work)`` is called before each large product (convolutions, dense layers). At
most every ``INTERVAL_S`` it reads how much CPU time other processes used since the last
look (the machine's busy time in ``/proc/stat`` minus this process's own, from
``/proc/self/stat``): more than half a core means a core is taken, and products get one
thread until the machine is quiet again. Large products on a quiet machine keep the
library's own thread count. Nothing changes when the user set the threads
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``), when ``CHAINRULE_ADAPT_THREADS=0``, or
where there is no OpenBLAS or no ``/proc`` (then the call costs one comparison).
"""
from __future__ import annotations

import ctypes
import os
import time

INTERVAL_S = 0.5            # how often the machine's load is looked at, at most
BUSY_ELSEWHERE = 0.5        # cores' worth of other processes' work that counts as "taken"
SMALL_PRODUCT = 1 << 22     # multiply-adds (m n k) below which a product runs on one thread


def _openblas():
    """(set_num_threads, default threads) of the OpenBLAS NumPy loaded, or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f
                            if "openblas" in line.lower() and ".so" in line.split()[-1]})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            for prefix in ("scipy_openblas", "openblas"):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes = [ctypes.c_int]
                    return setter, int(getter())
    return None


def _cpu_seconds() -> tuple[float, float] | None:
    """(busy seconds of the whole machine, CPU seconds of this process) so far."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)          # idle + iowait
    busy = sum(fields[:8]) - idle                                      # up to steal
    return busy / _TICKS, (int(own[11]) + int(own[12])) / _TICKS       # utime + stime


class _Adapter:
    def __init__(self):
        self.enabled = False
        self.next_look = float("inf")
        if os.environ.get("CHAINRULE_ADAPT_THREADS", "1") == "0" or any(
                os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
            return
        found = _openblas()
        last = _cpu_seconds()
        if found is None or last is None or found[1] < 2:
            return
        self.set_threads, self.default = found
        self.threads = self.default
        self.busy = False                    # another program keeps a core busy
        self.last, self.last_time = last, time.monotonic()
        self.enabled = True
        self.next_look = self.last_time + INTERVAL_S

    def look(self, now: float) -> None:
        """Whether other processes used more than ``BUSY_ELSEWHERE`` cores since last time."""
        self.next_look = now + INTERVAL_S
        current = _cpu_seconds()
        if current is None:
            return
        elsewhere = ((current[0] - self.last[0]) - (current[1] - self.last[1])) / (
            now - self.last_time)
        self.last, self.last_time = current, now
        self.busy = elsewhere > BUSY_ELSEWHERE

    def use(self, threads: int) -> None:
        if threads != self.threads:
            self.set_threads(threads)
            self.threads = threads


try:
    _TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    _TICKS = 100
ADAPTER = _Adapter()


def threads_for(work: int) -> None:
    """Set OpenBLAS's threads for a product of ``work`` multiply-adds (see above)."""
    adapter = ADAPTER
    if not adapter.enabled:
        return
    now = time.monotonic()
    if now >= adapter.next_look:
        adapter.look(now)
    adapter.use(1 if adapter.busy or work < SMALL_PRODUCT else adapter.default)


def current_threads() -> int | None:
    """The BLAS threads in use now (None when this module leaves them alone)."""
    return ADAPTER.threads if ADAPTER.enabled else None
