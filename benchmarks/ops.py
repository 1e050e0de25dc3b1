"""Per-op costs of the autodiff core: ``python -m benchmarks.ops [--quick]``.

Two tables, each run side by side in one process (alternating, so a busy machine slows
both alike):

* overhead: forward + backward of one element-wise op on a one-element tensor, against
  PyTorch eager when it is installed (both at one thread). This is pure bookkeeping cost:
  the arithmetic on one number is free. Target: at most PyTorch's time.
* throughput: the same op on 1M float32 elements, forward and forward + backward, against
  the same maths written by hand in raw NumPy. Target: within 1.1x of NumPy.

The NumPy reference keeps its gradient from one step to the next, as a training loop (and
our ``.grad``) does. Both sides run with glibc told to keep freed memory for reuse
(``autodiff.allocator``, applied when autodiff is imported): otherwise a freed 4 MB buffer
may go back to the operating system and be page-faulted in again on the next step, which
costs far more than the arithmetic.

It prints numbers only; nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import autodiff as ad

OPS = ("mul", "add", "tanh", "exp", "relu")


def best_alternating(steps, calls: int, repeats: int) -> list[float]:
    """The best of ``repeats`` timings of each step, taken in turns (a, b, a, b...), so a
    machine that slows down for a while slows every side alike."""
    for step in steps:
        step()
    best = [float("inf")] * len(steps)
    for _ in range(repeats):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            for _ in range(calls):
                step()
            best[i] = min(best[i], (time.perf_counter() - start) / calls)
    return best


# ---- the op in each engine --------------------------------------------------------------------
def ours(name):
    return {"mul": lambda x: x * x, "add": lambda x: x + x, "tanh": ad.tanh, "exp": ad.exp,
            "relu": ad.relu}[name]


def theirs(name, torch):
    return {"mul": lambda x: x * x, "add": lambda x: x + x, "tanh": torch.tanh,
            "exp": torch.exp, "relu": torch.relu}[name]


def numpy_forward_backward(name):
    """The op and its gradient written by hand: what the engine should cost at most."""
    def mul(x, g): return x * x, g * x + g * x
    def add(x, g): return x + x, g + g
    def tanh(x, g):
        y = np.tanh(x)
        return y, g * (1 - y * y)
    def exp(x, g):
        y = np.exp(x)
        return y, g * y
    def relu(x, g): return np.maximum(x, 0), g * (x > 0)
    return {"mul": mul, "add": add, "tanh": tanh, "exp": exp, "relu": relu}[name]


def numpy_forward(name):
    return {"mul": lambda x: x * x, "add": lambda x: x + x, "tanh": np.tanh, "exp": np.exp,
            "relu": lambda x: np.maximum(x, 0)}[name]


# ---- the two tables ---------------------------------------------------------------------------
def one_op_step(f, x):
    """Forward and backward of ``f`` on the one-element tensor ``x`` (either engine)."""
    return lambda: f(x).backward()


def overhead(calls: int, repeats: int) -> list[tuple]:
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rows = []
    for name in OPS:
        steps = [one_op_step(ours(name), ad.tensor([0.5], requires_grad=True))]
        if torch is not None:
            steps.append(one_op_step(theirs(name, torch), torch.tensor([0.5], requires_grad=True)))
        mine, other = (best_alternating(steps, calls, repeats) + [None])[:2]
        rows.append((name, mine * 1e6, None if other is None else other * 1e6,
                     None if other is None else mine / other))
    return rows


def training_steps(name, data, seed):
    """Forward+backward steps on 1M elements: ours, and NumPy's by hand. Each keeps its
    gradient until the next step, as a training loop does."""
    f, by_hand = ours(name), numpy_forward_backward(name)
    x, g = ad.tensor(data, requires_grad=True), ad.tensor(seed)
    kept = {}

    def ours_step():
        x.grad = None
        f(x).backward(g)

    def numpy_step():
        kept["grad"] = None
        kept["grad"] = by_hand(data, seed)[1]
    return ours_step, numpy_step


def throughput(n: int, calls: int, repeats: int) -> list[tuple]:
    rng = np.random.default_rng(0)
    data = rng.standard_normal(n).astype(np.float32)
    seed = np.ones(n, dtype=np.float32)
    plain = ad.tensor(data)
    rows = []
    for name in OPS:
        fwd, fwd_np = best_alternating([one_call(ours(name), plain),
                                        one_call(numpy_forward(name), data)], calls, repeats)
        fb, fb_np = best_alternating(list(training_steps(name, data, seed)), calls, repeats)
        rows.append((name, n / fwd / 1e6, n / fwd_np / 1e6, fwd / fwd_np,
                     n / fb / 1e6, n / fb_np / 1e6, fb / fb_np))
    return rows


def one_call(f, x):
    return lambda: f(x)


def show(rows, header, formats):
    widths = [max(len(h), 9) for h in header]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        cells = ["-" if v is None else fmt.format(v) for v, fmt in zip(row, formats)]
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths)))


def collect(quick: bool = False, size: int = 1_000_000) -> dict:
    """Both tables as rows (also written into the JSON of ``python -m benchmarks``)."""
    calls, repeats = (200, 2) if quick else (3000, 5)
    rounds = 3 if quick else 15           # best of many short rounds: the machine is shared
    return {"overhead": overhead(calls, repeats),
            "throughput": throughput(size, 3 if quick else 10, rounds), "size": size}


def print_tables(tables: dict) -> None:
    print("Overhead: forward + backward of one op on a one-element float32 tensor "
          "(microseconds per op; ratio = ours / PyTorch, target <= 1)")
    show(tables["overhead"], ("op", "ours_us", "torch_us", "ratio"),
         ("{}", "{:.1f}", "{:.1f}", "{:.2f}x"))
    print()
    print(f"Throughput on {tables['size']:,} float32 elements (million elements per second; "
          "ratio = our time / NumPy's, target <= 1.1)")
    show(tables["throughput"],
         ("op", "fwd_ours", "fwd_numpy", "fwd_ratio", "fb_ours", "fb_numpy", "fb_ratio"),
         ("{}", "{:.0f}", "{:.0f}", "{:.2f}x", "{:.0f}", "{:.0f}", "{:.2f}x"))
    from autodiff import allocator
    if not allocator.KEPT:
        print("(the allocator returns freed buffers to the OS here: fb ratios include "
              "page faults; see autodiff/allocator.py)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--size", type=int, default=1_000_000, help="elements for throughput")
    args = parser.parse_args(argv)
    print_tables(collect(args.quick, args.size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
