"""Side-by-side harness: each idiom is a function of a module-like `T`, run once with
`torch` and once with `autodiff as ad` (+ `nn`), results compared in float64.

Usage: PYTHONPATH=/work/main python run.py [-v] [-k substr] [files...]
"""
import math
import signal
import traceback
import types
import warnings

import numpy as np

IDIOMS = []  # (file, name, fn)
_CURRENT_FILE = ["?"]


def idiom(fn=None, *, name=None, tol=None):
    """Register an idiom. `tol` overrides (rtol, atol)."""
    def deco(f):
        f._tol = tol
        IDIOMS.append((_CURRENT_FILE[0], name or f.__name__, f))
        return f
    return deco(fn) if fn is not None else deco


def add(name, fn, tol=None):
    fn._tol = tol
    IDIOMS.append((_CURRENT_FILE[0], name, fn))


class ShapeOnly:
    """Compare only type, shape and dtype (random values)."""
    def __init__(self, x):
        self.x = x


class Signs:
    """Compare the sign of zeros: normalised as 1/x where x == 0, else 0."""
    def __init__(self, x):
        self.x = x


class Approx:
    """Compare with a loose tolerance."""
    def __init__(self, x, rtol=1e-3, atol=1e-4):
        self.x, self.rtol, self.atol = x, rtol, atol


def rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- adapters
def torch_T():
    import torch
    torch.set_default_dtype(torch.float32)
    return torch


class _Utils:
    def __init__(self, ad, nn):
        self.data = getattr(getattr(ad, "utils", None), "data", None) or nn.data


def ad_T():
    import autodiff as ad
    import nn

    class T(types.ModuleType):
        def __getattr__(self, k):
            return getattr(ad, k)

    t = T("T_ad")
    t.nn = nn
    t.optim = nn.optim
    t.utils = getattr(ad, "utils", None) or _Utils(ad, nn)
    if not hasattr(t.utils, "data"):
        t.utils = _Utils(ad, nn)
    try:
        ad.set_default_dtype(ad.float32)
    except Exception:
        pass
    return t


# ---------------------------------------------------------------- normalise
def _is_tensor(x):
    mod = type(x).__module__ or ""
    if mod.startswith("torch") and hasattr(x, "detach") and hasattr(x, "dtype"):
        import torch
        return isinstance(x, torch.Tensor)
    try:
        import autodiff as ad
        return isinstance(x, ad.Tensor)
    except Exception:
        return False


def _dtype_name(d):
    if d is None:
        return None
    if isinstance(d, type) and issubclass(d, np.generic):
        return np.dtype(d).name
    if isinstance(d, np.dtype):
        return d.name
    s = str(d)
    s = s.split(".")[-1].strip("'<>")
    return {"float": "float32", "double": "float64", "long": "int64", "int": "int32"}.get(s, s)


def _to_numpy(x):
    mod = type(x).__module__ or ""
    if mod.startswith("torch"):
        try:
            return x.detach().cpu().numpy()
        except RuntimeError:  # a ZeroTensor (e.g. sgn's gradient)
            return np.zeros(tuple(x.shape), dtype=str(x.dtype).split(".")[-1])
    a = getattr(x, "array", None)
    if a is None:
        a = x.data
        a = getattr(a, "array", a)
    try:
        import autodiff as ad
        return np.asarray(ad.asnumpy(a))
    except Exception:
        return np.asarray(a)


def norm(x, depth=0):
    if depth > 6:
        return ("deep",)
    if isinstance(x, ShapeOnly):
        n = norm(x.x, depth + 1)
        return _strip_values(n)
    if isinstance(x, Signs):
        n = norm(x.x, depth + 1)
        if n[0] == "tensor" and n[3] is not None and n[3].dtype != object:
            with np.errstate(divide="ignore"):
                v = np.where(n[3] == 0, 1.0 / np.where(n[3] == 0, n[3], 1.0), 0.0)
            return ("tensor", n[1], n[2], v)
        return n
    if isinstance(x, Approx):
        return ("approx", x.rtol, x.atol, norm(x.x, depth + 1))
    if _is_tensor(x):
        a = _to_numpy(x)
        dt = _dtype_name(getattr(x, "dtype", a.dtype))
        vals = a.astype(np.float64) if a.dtype != object else a
        return ("tensor", dt, tuple(a.shape), vals)
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.name, x.shape, x.astype(np.float64))
    if isinstance(x, (bool, np.bool_)):
        return ("bool", bool(x))
    if isinstance(x, (int, np.integer)):
        return ("int", int(x))
    if isinstance(x, (float, np.floating)):
        return ("float", float(x))
    if x is None:
        return ("None",)
    if isinstance(x, str):
        return ("str", x)
    if _looks_dtype(x):
        return ("dtype", _dtype_name(x))
    # torch.return_types.* / namedtuples
    fields = getattr(type(x), "_fields", None)
    if fields is None and type(x).__module__ == "torch.return_types":
        fields = [f for f in ("values", "indices", "Q", "R", "U", "S", "V", "L",
                              "eigenvalues", "eigenvectors", "sign", "logabsdet",
                              "output", "counts", "inverse_indices", "min", "max") if hasattr(x, f)]
    if isinstance(x, tuple) and fields:
        return ("named", tuple(fields), tuple(norm(getattr(x, f), depth + 1) for f in fields))
    if isinstance(x, (tuple, list)):
        return ("seq", len(x), tuple(norm(v, depth + 1) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple(norm(v, depth + 1) for v in x.values()), tuple(str(k) for k in x))
    if type(x).__name__ == "Size":
        return ("seq", len(x), tuple(norm(int(v)) for v in x))
    return ("obj", type(x).__name__)


def _looks_dtype(x):
    if isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic)):
        return True
    return type(x).__name__ in ("dtype", "DType", "Dtype")


def _strip_values(n):
    if n[0] == "tensor":
        return ("tensor", n[1], n[2], None)
    if n[0] in ("seq",):
        return ("seq", n[1], tuple(_strip_values(v) for v in n[2]))
    if n[0] == "named":
        return ("named", n[1], tuple(_strip_values(v) for v in n[2]))
    if n[0] == "float":
        return ("float", None)
    return n


def compare(a, b, tol=None, path="out"):
    """Return None when equal, else a string describing the first difference.
    a: torch's normalised result, b: ours."""
    if a[0] == "approx":
        return compare(a[3], b[3] if b[0] == "approx" else b, (a[1], a[2]), path)
    if b[0] == "approx":
        b = b[3]
    if {a[0], b[0]} == {"int", "float"}:
        a, b = ("float", float(a[1])), ("float", float(b[1]))
    if a[0] != b[0]:
        # allow a Python float where torch gives a float and ad an int etc.? no.
        return f"{path}: type {a[0]} vs {b[0]} ({_short(a)} vs {_short(b)})"
    k = a[0]
    if k == "tensor":
        if a[2] != b[2]:
            return f"{path}: shape {a[2]} vs {b[2]}"
        if a[1] != b[1]:
            return f"{path}: dtype {a[1]} vs {b[1]}"
        if a[3] is None or b[3] is None:
            return None
        return _cmp_arrays(a[3], b[3], a[1], tol, path)
    if k == "ndarray":
        if a[2] != b[2]:
            return f"{path}: shape {a[2]} vs {b[2]}"
        return _cmp_arrays(a[3], b[3], a[1], tol, path)
    if k in ("bool", "int", "str", "dtype", "obj"):
        return None if a[1] == b[1] else f"{path}: {a[1]!r} vs {b[1]!r}"
    if k == "float":
        if a[1] is None or b[1] is None:
            return None
        # a Python float may come from float32 arithmetic (loss.item()): float32's tolerance
        return _cmp_arrays(np.array(a[1]), np.array(b[1]), "float32", tol, path)
    if k == "None":
        return None
    if k == "seq":
        if a[1] != b[1]:
            return f"{path}: len {a[1]} vs {b[1]}"
        for i, (u, v) in enumerate(zip(a[2], b[2])):
            r = compare(u, v, tol, f"{path}[{i}]")
            if r:
                return r
        return None
    if k == "named":
        if a[1] != b[1]:
            return f"{path}: fields {a[1]} vs {b[1]}"
        for f, u, v in zip(a[1], a[2], b[2]):
            r = compare(u, v, tol, f"{path}.{f}")
            if r:
                return r
        return None
    if k == "dict":
        if a[2] != b[2]:
            return f"{path}: keys {list(a[2])} vs {list(b[2])}"
        for key, u, v in zip(a[2], a[1], b[1]):
            r = compare(u, v, tol, f"{path}[{key!r}]")
            if r:
                return r
        return None
    return None


def _cmp_arrays(x, y, dt, tol, path):
    if x.shape != y.shape:
        return f"{path}: shape {x.shape} vs {y.shape}"
    if x.dtype == object or y.dtype == object:
        return None if np.array_equal(x, y) else f"{path}: object values differ"
    if tol is None:
        tol = (1e-4, 1e-5) if dt in ("float32", "float16", "bfloat16") else (1e-7, 1e-9)
    rtol, atol = tol
    ok = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return None
    i = np.argwhere(~ok)[0]
    i = tuple(int(j) for j in i)
    xs, ys = x.reshape(-1), y.reshape(-1)
    n = int((~ok).sum())
    if x.size <= 8:
        return f"{path}: values torch {np.array2string(xs, precision=5)} vs ours " \
               f"{np.array2string(ys, precision=5)}"
    return f"{path}: {n}/{x.size} values differ, first at {i}: torch {x[i]!r} vs ours {y[i]!r}"


def _short(n):
    s = repr(n[:2]) if isinstance(n, tuple) else repr(n)
    return s[:80]


# ---------------------------------------------------------------- running
class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout("timeout")


def call(fn, T, seconds=20):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", norm(fn(T)))
    except _Timeout:
        return ("timeout", "timeout")
    except Exception as e:  # noqa: BLE001
        tb = traceback.extract_tb(e.__traceback__)
        where = ""
        for fr in reversed(tb):
            if "/notes/idioms/" not in fr.filename:
                where = f" at {fr.filename.split('/')[-2]}/{fr.filename.split('/')[-1]}:{fr.lineno}"
                break
        return ("raise", f"{type(e).__name__}: {str(e)[:160]}{where}")
    finally:
        signal.alarm(0)


def run_one(fn, Tt, Ta):
    rt = call(fn, Tt)
    ra = call(fn, Ta)
    if rt[0] == "raise" and ra[0] == "raise":
        return None
    if rt[0] != "ok":
        return f"TORCH {rt[0]}: {rt[1]} (ours: {ra[0]})"
    if ra[0] != "ok":
        return f"ours {ra[0]}: {ra[1]}"
    try:
        return compare(rt[1], ra[1], fn._tol)
    except Exception as e:  # noqa: BLE001
        return f"compare crashed: {e!r}"


def _finite(x):
    return isinstance(x, float) and math.isfinite(x)
