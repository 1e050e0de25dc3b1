"""``einsum`` as a composite: operands are contracted two at a time, each contraction one
batched matrix product after a permute and a reshape (no derivative code: matmul's rule
gives every gradient).

For operands x (letters ``bij``) and y (``bjk``) keeping ``bik``: b is a batch letter (in
both, kept), j is contracted (in both, not kept), i belongs to x alone and k to y alone:
x → (B, I, J), y → (B, J, K), x @ y → (B, I, K).
"""
from __future__ import annotations

import math

from ..ops import reduce as _red
from ..ops import shape as _shp
from ..ops.linalg import matmul
from ..tensor import as_tensor

_SPARE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"          # letters that stand for the dims of "..."


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    inputs, arrow, output = eq.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands, "
                         f"got {len(operands)}")
    spread = 0
    for i, (term, x) in enumerate(zip(terms, operands)):
        if "..." in term:
            n = x.ndim - (len(term) - 3)
            spread = max(spread, n)
            terms[i] = term.replace("...", _SPARE[len(_SPARE) - n:] if n else "")
        if len(terms[i]) != x.ndim:
            raise ValueError(f"einsum: term {term!r} has {len(terms[i])} letters but operand "
                             f"{i} has {x.ndim} dims (shape {x.shape})")
    ellipsis = _SPARE[len(_SPARE) - spread:] if spread else ""
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        letters = "".join(terms)
        output = ellipsis + "".join(sorted(c for c in set(letters)
                                           if letters.count(c) == 1 and c not in ellipsis))
    return terms, output


def _diagonal(x, term):
    """Repeated letters in one term (``ii``) take the diagonal."""
    while len(set(term)) < len(term):
        c = next(c for c in term if term.count(c) > 1)
        i, j = term.index(c), term.index(c, term.index(c) + 1)
        rest = [d for d in range(x.ndim) if d not in (i, j)]
        x = _shp.transpose(x, tuple(rest) + (i, j))
        n = x.shape[-1]
        arange = x.backend.xp.arange(n)
        x = _shp.getitem(x, (Ellipsis, arange, arange))
        term = "".join(term[d] for d in rest) + c
    return x, term


def _sum_out(x, term, keep):
    """Sum over the letters no one else needs."""
    gone = tuple(d for d, c in enumerate(term) if c not in keep)
    if not gone:
        return x, term
    return _red.sum(x, gone if len(gone) > 1 else gone[0]), \
        "".join(c for c in term if c in keep)


def _contract(x, tx, y, ty, keep):
    x, tx = _sum_out(x, tx, keep | set(ty))
    y, ty = _sum_out(y, ty, keep | set(tx))
    batch = [c for c in tx if c in ty and c in keep]
    summed = [c for c in tx if c in ty and c not in keep]
    left = [c for c in tx if c not in ty]
    right = [c for c in ty if c not in tx]
    size = {c: n for t, v in ((tx, x), (ty, y)) for c, n in zip(t, v.shape)}

    def block(t, v, groups):
        v = _shp.transpose(v, tuple(t.index(c) for g in groups for c in g))
        return _shp.reshape(v, tuple(math.prod(size[c] for c in g) for g in groups))

    out = matmul(block(tx, x, (batch, left, summed)), block(ty, y, (batch, summed, right)))
    term = batch + left + right
    return _shp.reshape(out, tuple(size[c] for c in term)), "".join(term)


def einsum(equation: str, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = [as_tensor(x) for x in operands]
    terms, output = _parse(equation, operands)
    pairs = [_diagonal(x, t) for x, t in zip(operands, terms)]
    x, tx = pairs[0]
    for k in range(1, len(pairs)):
        later = set(output).union(*(t for _, t in pairs[k + 1:]))
        x, tx = _contract(x, tx, *pairs[k], later)
    x, tx = _sum_out(x, tx, set(output))
    if sorted(tx) != sorted(output):
        raise ValueError(f"einsum: output letters {output!r} do not all appear in the inputs")
    return _shp.transpose(x, tuple(tx.index(c) for c in output)) if tx != output else x
