"""``chainrule bench [--vs torch]``: the benchmarks of ``python -m benchmarks``.

The benchmark scripts live in the source checkout (``benchmarks/`` beside the packages), not
in the installed library, so this runs them from there.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..cli import UserError


def _checkout() -> Path:
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "__main__.py").exists():
        raise UserError("the benchmarks live in chainrule's source checkout, which this "
                        "installation does not have; clone the repository and run "
                        "`python -m benchmarks` there")
    return root


def run(args) -> int:
    root = _checkout()
    command = [sys.executable, "-m", "benchmarks", "--device", args.device]
    if args.vs:
        command += ["--vs", args.vs]
    if args.quick:
        command.append("--quick")
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.no_memory:
        command.append("--no-memory")
    if args.only:
        command += ["--only", args.only]
    command += [f"--{flag.replace('_', '-')}" for flag in ("contend", "same_process", "profile")
                if getattr(args, flag, False)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(root)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    return subprocess.run(command, cwd=root, env=env, check=False).returncode


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="time training and ops against PyTorch (python -m benchmarks)",
        description="Run every benchmark workload for chainrule and, with --vs torch, for "
                    "PyTorch, each in fresh processes taken in turns; print throughputs, "
                    "ratios and peak memory.")
    parser.add_argument("--vs", choices=["torch"], help="also run PyTorch and print ratios")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--threads", type=int, default=None, help="threads for both engines")
    parser.add_argument("--no-memory", action="store_true", help="skip peak-memory runs")
    parser.add_argument("--only", default=None, help="run workloads whose name has this text")
    parser.add_argument("--contend", action="store_true",
                        help="run beside one busy competing process")
    parser.add_argument("--same-process", action="store_true",
                        help="run both engines in one process (they slow each other down)")
    parser.add_argument("--profile", action="store_true",
                        help="print where a training step's time goes, per primitive, instead")
    parser.set_defaults(run=run)
