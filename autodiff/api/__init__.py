"""PyTorch's names over the ops: ``import autodiff as ad`` stands in for ``import torch``.

A thin naming layer with no derivative code: each function here resolves PyTorch's
arguments and calls the primitives (autodiff/ops/) or composites of them.

* ``dims.py``       the one place ``dim``/``axis`` and ``keepdim``/``keepdims`` are resolved
* ``promotion.py``  PyTorch's dtype promotion for binary ops
* ``creation.py``   tensor, zeros, arange, rand... and the one random generator
* ``shape.py``      view, permute, transpose, cat, split, gather, ...
* ``reduce.py``     sum, var, max(dim) -> (values, indices), sort, ...
* ``math.py``       clamp, rounding, logical ops, softmax, mm, einsum, ...
* ``methods.py``    the table binding Tensor method names to these functions
"""
