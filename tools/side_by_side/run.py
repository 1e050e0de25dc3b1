"""Run the idioms side by side: PYTHONPATH=<repo> python run.py [-v] [-k substr] [id_x.py ...]"""
import argparse
import glob
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402


def load(path):
    harness._CURRENT_FILE[0] = os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(harness._CURRENT_FILE[0], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)


def classify(r):
    """value: a wrong result; accepts: we return where torch raises; missing: a name we lack;
    crash: we raise where torch returns."""
    if r.startswith("TORCH"):
        return "accepts"
    if r.startswith("ours raise"):
        if "AttributeError" in r and "has no attribute" in r:
            return "missing"
        if "unexpected keyword" in r or "positional argument" in r:
            return "missing-arg"
        return "crash"
    if r.startswith("ours timeout"):
        return "crash"
    return "value"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="*")
    p.add_argument("-k", default=None)
    p.add_argument("-v", action="store_true", help="print passes too")
    args = p.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(HERE, "id_*.py")))
    for f in files:
        load(f if os.path.isabs(f) or os.path.exists(f) else os.path.join(HERE, f))
    Tt = harness.torch_T()
    Ta = harness.ad_T()
    import torch
    npass = nfail = 0
    per_file = {}
    kinds = {}
    t0 = time.time()
    for file, name, fn in harness.IDIOMS:
        if args.k and args.k not in f"{file}::{name}":
            continue
        torch.set_grad_enabled(True)
        torch.set_default_dtype(torch.float32)
        try:
            Ta.set_grad_enabled(True)
        except Exception:
            pass
        try:
            Ta.set_default_dtype(Ta.float32)
        except Exception:
            pass
        r = harness.run_one(fn, Tt, Ta)
        st = per_file.setdefault(file, [0, 0])
        if r is None:
            npass += 1
            st[0] += 1
            if args.v:
                print(f"ok   {file}::{name}")
        else:
            nfail += 1
            st[1] += 1
            kind = classify(r)
            kinds[kind] = kinds.get(kind, 0) + 1
            print(f"FAIL [{kind}] {file}::{name}: {r}")
    print()
    for f, (a, b) in per_file.items():
        print(f"  {f:16s} {a:4d} pass {b:4d} fail")
    print("  failures by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"{npass} passed, {nfail} failed of {npass + nfail} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
