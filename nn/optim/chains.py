"""Schedules made of schedules.

SequentialLR: one schedule after another, switching at the ``milestones`` epochs (warm up
              with LinearLR for 5 epochs, then cosine); each later one starts fresh, at
              epoch 0 from the base lr.
ChainedScheduler: several schedules stepped together; as each computes its lr from the
              current one, their factors multiply.
"""
from __future__ import annotations

from bisect import bisect_right

from .lr_scheduler import LRScheduler
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_members(owner: str, schedulers, optimizer) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            message = (f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                       "additional kwargs to be specified when calling `step`, but got one at "
                       f"index {i} in the given schedulers sequence.")
            raise ValueError(message)  # noqa: TRY004  (PyTorch's exception type)
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(scheduler).__name__} at index {i} with "
                             "a different one.")


def _initial_step(scheduler) -> None:
    """The scheduler's first step, the one its constructor takes."""
    scheduler._is_initial = True
    try:
        scheduler.step()
    finally:
        del scheduler._is_initial


def _restart_at(scheduler, epoch: int) -> None:
    """Put ``scheduler`` at ``epoch``, its lr from the closed form (from the base lr)."""
    scheduler.last_epoch = epoch
    closed_form = getattr(scheduler, "_get_closed_form_lr", None)
    values = closed_form() if closed_form is not None else scheduler.get_lr()
    for group, lr in zip(scheduler.optimizer.param_groups, values):
        group["lr"] = lr
    scheduler._last_lr = [group["lr"] for group in scheduler.optimizer.param_groups]


def _undo_initial_steps(scheduler) -> None:
    for inner in getattr(scheduler, "_schedulers", None) or [scheduler]:
        if inner is scheduler:
            scheduler.last_epoch -= 1
        else:
            _undo_initial_steps(inner)


class _Composite(LRScheduler):
    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite):
    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        _check_members("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("SequentialLR: Sequential Schedulers expects number of schedulers "
                             "provided to be one more than the number of milestone points, but "
                             f"got number of schedulers {len(schedulers)} and the number of "
                             f"milestones to be equal to {len(milestones)}")
        self._schedulers, self._milestones = list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:             # back to the initial lrs
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:               # undo their constructors' steps
            _undo_initial_steps(scheduler)
        first = bisect_right(self._milestones, 0)
        _initial_step(self._schedulers[first])
        self._last_lr = self._schedulers[first].get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            _restart_at(scheduler, 0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    def __init__(self, schedulers, optimizer=None):
        optimizer = optimizer or (schedulers[0].optimizer if schedulers else None)
        _check_members("ChainedScheduler", schedulers, optimizer)
        self._schedulers, self.optimizer = list(schedulers), optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
