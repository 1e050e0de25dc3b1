"""Version counters keep a bounded record: a parameter is written in place every step."""
import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff import version


def test_a_long_training_run_keeps_a_bounded_record_of_writes():
    w = nn.Parameter(ad.tensor(np.ones(3)))
    opt = nn.optim.SGD([w], lr=0.1)
    for _ in range(3 * version.VersionCounter.KEPT):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    counter = version.counter_of(w.array)
    assert counter.version == 3 * version.VersionCounter.KEPT       # every write counted
    assert len(counter.edits) == version.VersionCounter.KEPT        # the latest kept


def test_the_error_still_names_the_versions_after_many_writes():
    x = ad.tensor(np.ones(3), requires_grad=True)
    y = x * 1.0
    z = y * y                       # mul's rule reads y
    with ad.no_grad():
        for _ in range(5):
            y.add_(1)
    with pytest.raises(RuntimeError, match="is at version 5; expected version 0"):
        z.sum().backward()
