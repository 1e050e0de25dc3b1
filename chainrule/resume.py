"""``chainrule train --resume``: the checkpoint to continue, checked against the command line,
with the two settings a learner changes on the way applied to it.

* ``--epochs`` larger than the checkpoint's extends the run, even a finished one; a cosine
  schedule is re-planned to end at the new last epoch (:func:`_stretch`).
* ``--lr`` sets the base learning rate from then on; the schedule keeps its shape, scaled
  (:func:`_apply_lr`). Without it the checkpoint's learning rate goes on.

Anything else that differs from the recipe the checkpoint was trained with is one line naming it.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainrule.commands.train import Options


def _error(message: str) -> Exception:
    from chainrule.cli import UserError
    return UserError(message)


def load_resume(options: Options, model) -> dict:
    """The training checkpoint to continue, checked against this model and recipe, with
    ``--lr`` and ``--epochs`` applied to it (see :func:`_apply_lr`, :func:`_stretch`)."""
    from nn.checkpoint import CheckpointError, check_state_dict, load_checkpoint
    from nn.train import check_training_state
    try:
        state = load_checkpoint(options.resume)
        check_state_dict(model, state["model"])
    except (CheckpointError, FileNotFoundError) as e:
        raise _error(f"--resume {options.resume}: {e}") from None
    if "optimizer" not in state:
        raise _error(f"--resume {options.resume}: holds a model's weights only, not a "
                     "training checkpoint (no optimizer state)")
    try:
        done, _ = check_training_state(state)
    except CheckpointError as e:
        raise _error(f"--resume {options.resume}: {e}") from None
    recipe = state.get("extra", {}).get("recipe", {})
    different = [f"--{k.replace('_', '-')} {recipe[k]} (not {v})"
                 for k, v in options.recipe().items()
                 if k in recipe and recipe[k] != v and k != "epochs"]
    if different:
        raise _error(f"--resume {options.resume}: that run was trained with "
                     + ", ".join(different))
    if options.epochs <= done:
        raise _error(f"--resume {options.resume}: that run has trained {done} epochs already; "
                     f"give --epochs larger than {done} to extend it")
    if (options.schedule == "cosine") != ("scheduler" in state):
        raise _error(f"--resume {options.resume}: the checkpoint was trained with"
                     f"{'out' * ('scheduler' not in state)} a learning-rate schedule")
    try:
        if options.lr is not None:
            _apply_lr(state, options)
        if options.schedule == "cosine" and state["scheduler"].get("T_max") != options.epochs:
            _stretch(state, options, done)
    except (KeyError, IndexError, TypeError, AttributeError, ZeroDivisionError) as e:
        raise _error(f"--resume {options.resume}: the checkpoint's optimizer or schedule state "
                     f"is damaged ({type(e).__name__}: {e})") from None
    return state


def _apply_lr(state: dict, options: Options) -> None:
    """``--lr`` given with ``--resume``: the run continues with that base learning rate (the
    schedule keeps its shape, scaled), instead of the checkpoint's."""
    groups = state["optimizer"]["param_groups"]
    scheduler = state.get("scheduler")
    saved = scheduler["base_lrs"][0] if scheduler else groups[0]["lr"]
    if saved == options.lr:
        return
    factor = options.lr / saved
    for group in groups:
        group["lr"] *= factor
        if "initial_lr" in group:
            group["initial_lr"] *= factor
    if scheduler:
        scheduler["base_lrs"] = [lr * factor for lr in scheduler["base_lrs"]]
        scheduler["_last_lr"] = [group["lr"] for group in groups]
    options.notes.append(f"--lr {options.lr:g}: continuing with base learning rate "
                         f"{options.lr:g} (the checkpoint was trained with {saved:g})")


def _stretch(state: dict, options: Options, done: int) -> None:
    """Resuming to another ``--epochs`` re-plans the cosine schedule to end at the new last
    epoch: the learning rate moves to where that longer (or shorter) cosine is at ``done``,
        lr = eta_min + (base - eta_min) (1 + cos(pi done / epochs)) / 2."""
    scheduler, groups = state["scheduler"], state["optimizer"]["param_groups"]
    before, eta_min = scheduler.get("T_max"), scheduler.get("eta_min", 0.0)
    scheduler["T_max"] = options.epochs
    for group, base in zip(groups, scheduler["base_lrs"]):
        group["lr"] = eta_min + (base - eta_min) * (1 + math.cos(math.pi * done / options.epochs)) / 2
    scheduler["_last_lr"] = [group["lr"] for group in groups]
    options.notes.append(f"--epochs {options.epochs}: extending the run planned for {before} "
                         f"epochs; the cosine schedule now ends at epoch {options.epochs} "
                         f"(learning rate {groups[0]['lr']:.3g} from epoch {done + 1})")
