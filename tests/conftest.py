"""Shared fixtures: the strict fake GPU, the default dtype, and skipping GPU tests cleanly."""
from __future__ import annotations

import importlib.util

import pytest

import autodiff as ad
from autodiff import backend as _backend


def _real_gpu_reason() -> str | None:
    """None when CuPy and a GPU are usable, else why not (the skip reason)."""
    if importlib.util.find_spec("cupy") is None:
        return "CuPy is not installed"
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "CuPy found no GPU"
    except Exception as e:  # noqa: BLE001 - any driver/runtime failure means "no GPU here"
        return f"CuPy cannot reach a GPU ({type(e).__name__}: {e})"
    return None


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` are skipped, with the reason, where CuPy or a GPU is missing."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    reason = _real_gpu_reason()
    if reason is not None:
        for item in gpu_items:
            item.add_marker(pytest.mark.skip(reason=f"gpu test: {reason}"))


@pytest.fixture
def fake_cuda():
    """Install the strict fake device as "cuda" for one test, then put the real one back."""
    from fake_device import fake_backend
    backend = fake_backend("cuda")
    previous = _backend.register_backend(backend)
    try:
        yield backend
    finally:
        _backend.unregister_backend("cuda", previous)


@pytest.fixture
def default_dtype():
    """Lets a test change the default dtype; restores it afterwards."""
    previous = ad.get_default_dtype()
    yield
    ad.set_default_dtype(previous)


@pytest.fixture(params=["dot", "graphviz-pure"])
def renderer(request, monkeypatch, tmp_path_factory):
    """Runs a picture test twice: with the system ``dot``, then with ``dot`` hidden from PATH
    so that graphviz-pure draws (each skipped where its program is missing)."""
    import shutil

    from autodiff.viz import programs
    if request.param == "dot":
        if shutil.which("dot") is None:
            pytest.skip("Graphviz's dot is not installed")
    else:
        monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-dot")))
        if programs._pure_path() is None:
            pytest.skip("graphviz-pure is not installed")
    assert programs.find_program().kind == request.param
    return request.param


@pytest.fixture
def no_graphviz(monkeypatch, tmp_path_factory):
    """Neither the system ``dot`` nor graphviz-pure can be found."""
    from autodiff.viz import programs
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-graphviz")))
    monkeypatch.setattr(programs, "_pure_path", lambda: None)
