"""One BLAS thread while another program keeps a core busy (autodiff/blas_threads.py).

The decision is tested with made-up CPU readings; the real readers are checked to give
numbers on this machine. No test times anything.
"""
import subprocess
import sys

import pytest

from autodiff import blas_threads


def _adapter(monkeypatch, readings):
    """An adapter on a fake machine: ``readings`` are (machine busy s, own s) per look."""
    calls = []
    readings = iter(readings)
    monkeypatch.setattr(blas_threads, "_cpu_seconds", lambda: next(readings))
    monkeypatch.setattr(blas_threads, "_openblas", lambda: (calls.append, 2))
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("CHAINRULE_ADAPT_THREADS", raising=False)
    adapter = blas_threads._Adapter()
    return adapter, calls


def test_a_core_taken_by_another_program_means_one_thread_then_back(monkeypatch):
    # start; then 1 s in which the machine did 1.9 s of work, 1.0 s of it ours (0.9 elsewhere);
    # then 1 s in which all 1.8 s of work were ours
    adapter, calls = _adapter(monkeypatch, [(0.0, 0.0), (1.9, 1.0), (3.7, 2.8)])
    assert adapter.enabled and adapter.threads == 2 and not adapter.busy
    adapter.look(adapter.last_time + 1.0)
    assert adapter.busy
    adapter.look(adapter.last_time + 1.0)
    assert not adapter.busy
    assert calls == []                       # looking sets nothing: the next product does


def test_a_quiet_machine_keeps_the_library_default(monkeypatch):
    adapter, calls = _adapter(monkeypatch, [(0.0, 0.0), (2.0, 1.8), (4.0, 3.7)])
    adapter.look(adapter.last_time + 1.0)
    adapter.look(adapter.last_time + 1.0)
    assert not adapter.busy and calls == []


def test_small_products_and_a_busy_machine_get_one_thread(monkeypatch):
    adapter, calls = _adapter(monkeypatch, [(0.0, 0.0)])
    monkeypatch.setattr(blas_threads, "ADAPTER", adapter)
    large, small = blas_threads.SMALL_PRODUCT, blas_threads.SMALL_PRODUCT - 1
    blas_threads.threads_for(large)
    assert calls == [] and blas_threads.current_threads() == 2        # nothing to change
    blas_threads.threads_for(small)
    blas_threads.threads_for(small)
    assert calls == [1]                                               # set once, kept
    blas_threads.threads_for(large)
    assert calls == [1, 2]
    adapter.busy = True
    blas_threads.threads_for(large)
    assert calls == [1, 2, 1] and blas_threads.current_threads() == 1


@pytest.mark.parametrize("variable", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_threads_the_user_set_are_left_alone(monkeypatch, variable):
    monkeypatch.setattr(blas_threads, "_openblas", lambda: (print, 2))
    monkeypatch.setenv(variable, "2")
    adapter = blas_threads._Adapter()
    assert not adapter.enabled and adapter.next_look == float("inf")


def test_it_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(blas_threads, "_openblas", lambda: (print, 2))
    monkeypatch.setenv("CHAINRULE_ADAPT_THREADS", "0")
    assert not blas_threads._Adapter().enabled


def test_one_thread_machines_and_missing_openblas_change_nothing(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("CHAINRULE_ADAPT_THREADS", raising=False)
    monkeypatch.setattr(blas_threads, "_openblas", lambda: None)
    assert not blas_threads._Adapter().enabled
    monkeypatch.setattr(blas_threads, "_openblas", lambda: (print, 1))
    assert not blas_threads._Adapter().enabled


def test_the_readers_work_here():
    readings = blas_threads._cpu_seconds()
    if readings is None:
        pytest.skip("no /proc on this system")
    busy, own = readings
    assert busy >= own >= 0
    found = blas_threads._openblas()
    if found is not None:                       # NumPy's wheels bundle OpenBLAS
        assert callable(found[0]) and found[1] >= 1


def test_a_convolution_after_switching_gives_the_same_numbers():
    """The thread count changes only how the products are split, checked in a fresh
    process where the adapter really calls OpenBLAS."""
    code = """
import numpy as np, autodiff as ad
from autodiff import blas_threads
x = ad.tensor(np.random.default_rng(0).standard_normal((8, 3, 9, 9)), requires_grad=True)
w = ad.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)), requires_grad=True)
def run():
    x.grad = w.grad = None
    ad.conv2d(x, w, padding=1).sum().backward()
    return x.grad.numpy().copy(), w.grad.numpy().copy()
a = run()
if blas_threads.ADAPTER.enabled:
    blas_threads.ADAPTER.set_threads(1)
b = run()
print(all(np.allclose(p, q, rtol=1e-12, atol=1e-12) for p, q in zip(a, b)))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split()[-1] == "True"
