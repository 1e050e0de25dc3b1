"""Where a training step's time goes: ``python -m benchmarks --profile`` (or this module).

For a LeNet-5 and a ResNet-mini training step (batch 64, SGD with momentum, our engine
only), prints ``ad.profile()``'s table: forward and backward milliseconds per primitive and
per step, and the engine's own work between primitives (the rest), then the step's phases
(forward and loss, backward, optimizer) timed around the profile. The primitives are timed
only inside the profiled steps, so the warm-up steps before them run unwrapped.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

MODELS = (("lenet5", "LeNet-5 1x28x28 train step (SGD)"),
          ("resnet_mini", "ResNet-mini 1x8x8 train step (SGD)"))


def phased_step(model_name: str, device: str, phases: dict):
    """A training step that adds each phase's seconds to ``phases``."""
    from benchmarks.workloads import training
    model, x, y, opt, loss_fn = training(model_name, "ours", device)
    clock = time.perf_counter

    def step():
        start = clock()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        forward_done = clock()
        loss.backward()
        backward_done = clock()
        opt.step()
        if device == "cuda":
            import cupy
            cupy.cuda.Device().synchronize()
        done = clock()
        phases["forward and loss"] += forward_done - start
        phases["backward"] += backward_done - forward_done
        phases["optimizer"] += done - backward_done
    return step


def breakdown(model_name: str, title: str, device: str = "cpu", steps: int = 20,
              warmup: int = 5, note: str = "") -> str:
    """The profile table of ``steps`` training steps, per step, after ``warmup`` steps."""
    import autodiff as ad
    from benchmarks.workloads import BATCH
    phases = dict.fromkeys(("forward and loss", "backward", "optimizer"), 0.0)
    step = phased_step(model_name, device, phases)
    for _ in range(warmup):
        step()
    for name in phases:
        phases[name] = 0.0
    with ad.profile() as profile:
        for _ in range(steps):
            step()
    heading = (f"{title}, batch {BATCH}, {device}, {os.cpu_count()} cores, mean of {steps} steps"
               f"{', ' + note if note else ''} (ms per step)")
    phase_line = ", ".join(f"{name} {1000 * s / steps:.2f} ms" for name, s in phases.items())
    return profile.table(steps=steps, title=heading) + f"\nphases: {phase_line}"


def run(device: str = "cpu", quick: bool = False, note: str = "") -> str:
    """Both models' tables, as printed by ``--profile``."""
    steps, warmup = (3, 2) if quick else (20, 5)
    return "\n\n".join(breakdown(name, title, device, steps, warmup, note)
                       for name, title in MODELS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    args = parser.parse_args(argv)
    print(run(args.device, args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
