"""The NumPy limit: one LeNet-5 training step written by hand in NumPy, no graph, no engine.

``python -m benchmarks.numpy_limit [--threads N]`` times it side by side with our engine and
PyTorch (each in fresh processes taken in turns, medians, as ``python -m benchmarks`` does)
and prints each one's throughput and ratio to PyTorch's. It is what this engine could reach if its bookkeeping cost nothing: the
same arithmetic as our primitives do (im2col convolutions with the batch innermost in memory,
the same matrix products, 2x2 max pooling by strided views), and nothing else. The same
weights and batch as ``benchmarks.workloads``; SGD with momentum 0.9.

It skips what the engine must do and a hand-written step may not: ties in pooling go to every
maximum (random data has none), no NaN or infinity checks, no saved graph for pictures.
"""
from __future__ import annotations

import argparse
import os

import numpy as np


def _im2col(xc, k, rows_out, cols_out):
    """(C, H, W, N) padded input -> (C*k*k, OH*OW*N) columns, by k*k strided copies."""
    c, _, _, n = xc.shape
    cols = np.empty((c, k, k, rows_out, cols_out, n), dtype=xc.dtype)
    for a in range(k):
        for b in range(k):
            cols[:, a, b] = xc[:, a:a + rows_out, b:b + cols_out, :]
    return cols.reshape(c * k * k, rows_out * cols_out * n)


def _col2im(dcols, c, k, size, rows_out, cols_out, n):
    """The adjoint of _im2col: each kernel offset's slice added back into a zeroed image."""
    dcols = dcols.reshape(c, k, k, rows_out, cols_out, n)
    dx = np.zeros((c, size, size, n), dtype=dcols.dtype)
    for a in range(k):
        for b in range(k):
            dx[:, a:a + rows_out, b:b + cols_out, :] += dcols[:, a, b]
    return dx


def _conv_relu(xc, w, b, size):
    """relu(conv(x) + b) of a (C, H, W, N) input, and its columns (kept for w's gradient)."""
    o, c, k, _ = w.shape
    cols = _im2col(xc, k, size, size)
    z = w.reshape(o, c * k * k) @ cols
    z += b[:, None]
    np.maximum(z, 0, out=z)
    return cols, z.reshape(o, size, size, xc.shape[-1])


def _pool(z):
    """2x2 max pooling of (C, H, W, N) and the four strided views it read."""
    views = [z[:, a::2, b::2, :] for a in (0, 1) for b in (0, 1)]
    out = np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3]))
    return out, views


def _unpool(dp, out, views, shape):
    dz = np.empty(shape, dtype=dp.dtype)
    for (a, b), view in zip([(0, 0), (0, 1), (1, 0), (1, 1)], views):
        np.multiply(dp, view == out, out=dz[:, a::2, b::2, :])
    return dz


class LeNetByHand:
    """LeNet-5's training step in plain NumPy, with the weights of ``model`` (an nn LeNet-5)."""

    def __init__(self, model, x, y, lr=0.01, momentum=0.9):
        self.params = [p.array.copy() for p in model.parameters()]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.x, self.y, self.lr, self.momentum = x, y, lr, momentum

    def step(self):
        w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = self.params
        x, y = self.x, self.y
        n = x.shape[0]
        xc = np.zeros((1, 32, 32, n), dtype=x.dtype)
        xc[:, 2:30, 2:30, :] = x.transpose(1, 2, 3, 0)
        cols1, z1 = _conv_relu(xc, w1, b1, 28)
        p1, views1 = _pool(z1)
        cols2, z2 = _conv_relu(p1, w2, b2, 10)
        p2, views2 = _pool(z2)
        a = p2.reshape(400, n).T
        h1 = np.maximum(a @ w3.T + b3, 0)
        h2 = np.maximum(h1 @ w4.T + b4, 0)
        logits = h2 @ w5.T + b5
        # cross-entropy's gradient: softmax minus the one-hot target, over the batch
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        d5 = e / e.sum(axis=1, keepdims=True)
        d5[np.arange(n), y] -= 1
        d5 /= n
        grads = [None] * 10
        grads[8], grads[9] = d5.T @ h2, d5.sum(axis=0)
        d4 = (d5 @ w5) * (h2 > 0)
        grads[6], grads[7] = d4.T @ h1, d4.sum(axis=0)
        d3 = (d4 @ w4) * (h1 > 0)
        grads[4], grads[5] = d3.T @ a, d3.sum(axis=0)
        dp2 = (d3 @ w3).T.reshape(16, 5, 5, n)
        dz2 = _unpool(dp2, p2, views2, z2.shape)
        dz2 *= z2 > 0
        dz2 = dz2.reshape(16, -1)
        grads[2], grads[3] = (cols2 @ dz2.T).T.reshape(w2.shape), dz2.sum(axis=1)
        dp1 = _col2im(w2.reshape(16, 150).T @ dz2, 6, 5, 14, 10, 10, n)
        dz1 = _unpool(dp1, p1, views1, z1.shape)
        dz1 *= z1 > 0
        dz1 = dz1.reshape(6, -1)
        grads[0], grads[1] = (cols1 @ dz1.T).T.reshape(w1.shape), dz1.sum(axis=1)
        for p, v, g in zip(self.params, self.velocity, grads):
            v *= self.momentum
            v += g
            p -= self.lr * v


def by_hand(model_name: str, optimizer: str):
    """The hand-written step of a workload (only LeNet-5 with SGD is written)."""
    if model_name != "lenet5" or optimizer != "sgd":
        raise KeyError(f"no hand-written step for {model_name} with {optimizer}")
    from benchmarks.workloads import training
    model, x, y, _, _ = training("lenet5", "ours")
    return LeNetByHand(model, x.array, y.array).step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.numpy_limit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per engine")
    args = parser.parse_args(argv)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    from benchmarks.harness import alternate_processes
    from benchmarks.workloads import BATCH
    engines = ["numpy", "ours"]
    try:
        import torch  # noqa: F401
        engines.append("torch")
    except ImportError:
        pass
    found = alternate_processes("LeNet-5 28x28 train step (SGD)", engines, "cpu", 20,
                                args.rounds, args.threads)
    reference = found[-1]["seconds"] if "torch" in engines and found[-1] else None
    names = {"numpy": "NumPy by hand", "ours": "chainrule", "torch": "PyTorch"}
    print(f"LeNet-5 training step, batch {BATCH}, {args.threads or 'default'} thread(s), "
          f"each engine in {args.rounds} fresh processes")
    for engine, result in zip(engines, found):
        if result is None:
            continue
        seconds = result["seconds"]
        ratio = f"{reference / seconds:5.2f}x PyTorch" if reference else ""
        print(f"  {names[engine]:14s} {seconds * 1e3:7.2f} ms  {BATCH / seconds:8,.0f} img/s  {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
