"""The device checks of ``test_core_device.py`` on real CuPy (``pytest -m gpu``).

Skipped cleanly, with the reason, where CuPy or a GPU is missing (see ``conftest.py``).
"""
from __future__ import annotations

import numpy as np
import pytest
import test_core_device as checks
from test_core_spec import SPECS

import autodiff as ad

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cupy_array():
    """CuPy's array class, once the "cuda" backend has started."""
    cupy = pytest.importorskip("cupy")
    try:
        ad.get_backend("cuda")
    except RuntimeError as e:
        pytest.skip(str(e))
    return cupy.ndarray


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_primitive_runs_forward_and_backward_on_the_gpu(cupy_array, name):
    # float64 throughout; the GPU may sum in another order than NumPy
    checks.check_primitive(name, cupy_array, tolerance=1e-9)


def test_moving_between_devices(cupy_array):
    checks.check_moving(cupy_array)


def test_gpu_arrays_refuse_implicit_host_conversion(cupy_array):
    checks.check_no_implicit_host_conversion()


def test_mixing_devices_is_a_clear_type_error(cupy_array):
    checks.check_mixing_devices()


def test_host_constants_are_lifted_onto_the_gpu(cupy_array):
    checks.check_host_constants()


def test_transforms_on_the_gpu(cupy_array):
    checks.check_transforms()


def test_anomaly_mode_on_the_gpu(cupy_array):
    checks.check_anomaly()


def test_a_small_conv_net_trains_on_the_gpu(cupy_array):
    checks.check_conv_net(cupy_array)


def test_a_user_made_cupy_array_becomes_a_cuda_tensor(cupy_array):
    import cupy
    t = ad.tensor(cupy.arange(3, dtype=cupy.float32))
    assert t.device == "cuda" and t.dtype == np.float32
    assert isinstance(t.numpy(), np.ndarray)
