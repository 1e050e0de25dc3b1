"""Three more of PyTorch's schedules, each a factor applied to the lr at some epochs:
``ConstantLR`` (a reduced lr for the first epochs), ``MultiplicativeLR`` (lr *= f(epoch)) and
``PolynomialLR`` (lr decays as (1 - epoch / total)^power to 0). Written, as PyTorch's, as a
change to the current lr, so they chain with other schedules.
"""
from __future__ import annotations

from .schedules import ChainableLR


class ConstantLR(ChainableLR):
    """lr * factor until epoch ``total_iters``, then the lr itself."""

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1):
        if not 0 < factor <= 1:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0:
            return [lr * self.factor for lr in lrs]
        if self.last_epoch != self.total_iters:
            return lrs
        return [lr / self.factor for lr in lrs]


class MultiplicativeLR(ChainableLR):
    """lr * lr_lambda(epoch) at every epoch after the first."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) \
            else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"Expected {groups} lr_lambdas, but got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch > 0:
            return [lr * fn(self.last_epoch) for lr, fn in zip(lrs, self.lr_lambdas)]
        return lrs


class PolynomialLR(ChainableLR):
    """base_lr * (1 - epoch / total_iters)^power, reaching 0 at ``total_iters``."""

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch > self.total_iters:
            return lrs
        decay = ((1.0 - self.last_epoch / self.total_iters)
                 / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * decay for lr in lrs]
