"""``python -m benchmarks [--vs torch] [--device cpu|cuda] [--quick]`` (also ``chainrule bench``).

Runs every workload for our engine and, with ``--vs torch``, for PyTorch, each in fresh
processes taken in turns (``--same-process``: alternately in this one), prints throughputs
and the ratio ours/theirs with peak memory, and writes the
table as JSON (default benchmarks/results/<device>.json) for the README. ``--contend`` runs
it all beside one busy competing process; ``--profile`` prints, instead, where a LeNet-5 and
a ResNet-mini training step spend their time (``benchmarks/breakdown.py``).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--vs", choices=["torch"], help="also run PyTorch and print ratios")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both engines (default: the libraries' own)")
    parser.add_argument("--no-memory", action="store_true", help="skip peak-memory runs")
    parser.add_argument("--only", default=None, help="run workloads whose name has this text")
    parser.add_argument("--json", default=None, help="where to write the table as JSON")
    parser.add_argument("--contend", action="store_true",
                        help="run beside one busy competing process (a Python busy loop)")
    parser.add_argument("--same-process", action="store_true",
                        help="run both engines in this one process (they slow each other down)")
    parser.add_argument("--profile", action="store_true",
                        help="print where a training step's time goes, per primitive, instead")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    from benchmarks.contend import HEADER_NOTE, busy_competitor
    notes = [f"{args.threads} thread(s)"] * bool(args.threads) + [HEADER_NOTE] * args.contend
    with busy_competitor(args.contend):
        if args.profile:
            from benchmarks.breakdown import run
            print(run(args.device, args.quick, note=", ".join(notes)))
            return 0
        return run_benchmarks(args, notes)


def run_benchmarks(args, notes: list[str]) -> int:
    from benchmarks import ops
    from benchmarks.harness import (
        Result,
        alternate,
        alternate_processes,
        format_table,
        write_json,
    )
    from benchmarks.workloads import all_workloads

    torch = None
    if args.vs == "torch":
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: showing our figures only", file=sys.stderr)
        else:
            if args.threads:
                torch.set_num_threads(args.threads)
    engine_b = "torch" if torch is not None else None

    if notes:
        print(f"Run {', '.join(notes)}")
    op_tables = ops.collect(args.quick) if args.device == "cpu" and not args.only else None
    if op_tables:
        ops.print_tables(op_tables)
        print()
    results: list[Result] = []
    rounds = 1 if args.quick else 3
    for name, build, repeats in all_workloads(args.quick):
        if args.only and args.only not in name:
            continue
        if args.same_process:
            step, items, unit = build("ours", args.device)
            theirs = build(engine_b, args.device)[0] if engine_b else None
            ours_s, theirs_s = alternate(step, theirs, repeats)
            result = Result(name, unit, items, ours_s, theirs_s)
        else:
            engines = ["ours"] + [engine_b] * bool(engine_b)
            found = alternate_processes(name, engines, args.device, repeats, rounds,
                                        args.threads, args.quick) + [None]
            ours, theirs = found[0], found[1] if engine_b else None
            known = ours or theirs or {"items": 0, "unit": "items"}
            result = Result(name, known["unit"], known["items"], ours and ours["seconds"],
                            theirs and theirs["seconds"])
            if not args.no_memory:
                result.ours_peak_mb = ours and ours["peak_mb"]
                result.theirs_peak_mb = theirs and theirs["peak_mb"]
        results.append(result)
        print(f"  {name}: done", file=sys.stderr)

    meta = {"device": args.device, "same_process": args.same_process, "machine": platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "threads": args.threads, "quick": args.quick, "contend": args.contend,
            "torch": getattr(torch, "__version__", None)}
    title = f"chainrule benchmarks on {args.device} ({os.cpu_count()} cores)"
    print(format_table(results, ", ".join([title, *notes])))
    path = args.json or os.path.join(os.path.dirname(__file__), "results", f"{args.device}.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if op_tables:
        meta["ops"] = op_tables
    write_json(results, path, meta)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
