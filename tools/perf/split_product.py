"""A lead for the 2-thread problem: one matrix product split in two by a Python thread.

``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python tools/perf/split_product.py`` times
LeNet-5's second convolution's product (16x150 @ 150x6400) whole, and split by columns into
two halves, one computed by a worker thread that sleeps on a queue between products (NumPy
releases the GIL inside ``matmul``), with a little other NumPy work between runs as in a
training step. Measured here: 0.446 ms whole on one OpenBLAS thread, 0.317 ms split, 0.265 ms
on OpenBLAS's two threads, whose worker spins between products. A developer tool, not a test.
"""
from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

POOL = ThreadPoolExecutor(1)


def timed(f, runs: int = 200) -> float:
    for _ in range(10):
        f()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
        np.ones(20_000).sum()                   # other work between products, as in a step
    return statistics.median(times) * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    w = rng.random((16, 150), dtype=np.float32)
    cols = rng.random((150, 6400), dtype=np.float32)
    half = cols.shape[1] // 2

    def split():
        out = np.empty((w.shape[0], cols.shape[1]), np.float32)
        other = POOL.submit(np.matmul, w, cols[:, half:], out=out[:, half:])
        np.matmul(w, cols[:, :half], out=out[:, :half])
        other.result()
        return out
    np.testing.assert_allclose(split(), w @ cols, rtol=1e-5)
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}: "
          f"whole {timed(lambda: w @ cols):.3f} ms, split in two threads {timed(split):.3f} ms")


if __name__ == "__main__":
    main()
