"""The allocator setting: on by default on Linux, off when asked, never changes results."""
import os
import subprocess
import sys

import pytest

import autodiff as ad
from autodiff import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_freed_memory_is_kept_for_reuse_on_linux():
    assert allocator.KEPT is True


def test_the_setting_can_be_switched_off():
    code = "import autodiff.allocator as a; print(a.KEPT)"
    env = dict(os.environ, CHAINRULE_KEEP_FREED_MEMORY="0")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False"


def test_results_do_not_depend_on_it():
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (x @ x.T).sum().backward()
    assert x.grad.numpy().tolist() == [[8.0, 12.0], [8.0, 12.0]]
