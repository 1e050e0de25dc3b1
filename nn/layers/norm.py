"""Normalisation layers: batch normalisation and AlexNet's local response normalisation.

Batch norm standardises each channel over the batch (and the pixels), then lets the network
rescale it: y = (x - mean) / sqrt(var + eps) * weight + bias. It keeps running averages of
mean and variance for evaluation, where batches may be a single example.
"""
from __future__ import annotations

import numpy as np

from autodiff import Tensor, get_default_dtype

from .. import functional as F
from .. import init
from ..module import Module
from ._checks import expect_ndim, expect_size
from .linear import empty_parameter


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = init.ones_(empty_parameter(num_features))
            self.bias = init.zeros_(empty_parameter(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            dtype = get_default_dtype()
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.array[...] = 0

    def forward(self, x):
        expect_ndim(self, x, self._ndims, self._layout)
        expect_size(self, x, 1, self.num_features, "channels (axis 1)")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array[...] += 1
            if self.momentum is None:          # a cumulative average of all batches so far
                # 1 / count stays a 0-d array on the device: reading the count back to the
                # host would make the GPU finish its queue at every training step
                factor = (1.0 / self.num_batches_tracked.array).astype(x.dtype)
        use_batch_stats = self.training or self.running_mean is None
        keep_stats = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if keep_stats else None,
                            self.running_var if keep_stats else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) features or (N, C, L) sequences, per channel C."""

    _ndims, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) feature maps, per channel C (statistics over N, H, W)."""

    _ndims, _layout = (4,), "(N, C, H, W)"


class LocalResponseNorm(Module):
    """Divide each activation by the energy of its ``size`` neighbouring channels:
    b_c = a_c / (k + alpha / size * sum a_{c'}^2) ** beta (AlexNet, 2012)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        if x.ndim < 3:
            expect_ndim(self, x, (3, 4), "(N, C, ...)")
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
