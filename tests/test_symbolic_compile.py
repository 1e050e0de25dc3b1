"""ad.compile: generated NumPy/CuPy code agrees with the graph; the fused CUDA kernel source
compiles with nvcc (where installed), computes the same numbers as C++ on the CPU, and runs
on a GPU (where present)."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import autodiff as ad


def classic(w0, x0, w1, x1, w2):
    return ad.sigmoid(w0 * x0 + w1 * x1 + w2)


def rich(w, x, b):
    return (ad.tanh(w * x) + ad.relu(b) * ad.maximum(x, b) + abs(b) ** 2 + ad.log(1 + x * x)
            + ad.sqrt(1 + w * w) / (2 + ad.sin(b)) + ad.leaky_relu(w - b, 0.1))


def graph_values_and_grads(fn, arrays):
    """The same function run on numeric tensors, gradients by the engine's backward."""
    leaves = [ad.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    out.sum().backward()
    return out.numpy(), [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("fn, names", [(classic, "w0 x0 w1 x1 w2"), (rich, "w x b")])
def test_compiled_code_agrees_with_the_graph_on_random_arrays(fn, names):
    symbols = ad.symbols(names)
    compiled = ad.compile(fn(*symbols))
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=7) for _ in symbols]
    value, grads = compiled(**{s.name: a for s, a in zip(symbols, arrays)})
    expected_value, expected_grads = graph_values_and_grads(fn, arrays)
    np.testing.assert_allclose(value, expected_value, rtol=1e-10, atol=1e-12)
    for s, g in zip(symbols, expected_grads):
        np.testing.assert_allclose(grads[s.name], g, rtol=1e-9, atol=1e-12)


def test_source_is_readable_numpy_with_shared_subexpressions():
    w, x, b = ad.symbols("w x b")
    compiled = ad.compile(ad.sigmoid(w * x + b))
    src = compiled.source
    assert "def value_and_gradients(w, x, b):" in src
    assert src.count("numpy.exp(") == 1                  # exp(-(w*x + b)) computed once
    assert "cse0 = numpy.exp(-b - w*x)" in src
    assert "import" not in src and "eval" not in src
    value, grads = compiled(w=2.0, x=-1.0, b=-3.0)       # plain numbers work too
    assert float(value) == pytest.approx(0.006692851, rel=1e-6)
    assert float(grads["w"]) == pytest.approx(-0.006648057, rel=1e-6)


def test_tensor_inputs_take_trailing_axes_and_batch_in_front():
    K = ad.symbols("K", shape=(2, 2))
    v = ad.symbols("lambda", shape=(2,))                 # a Python keyword as a name
    compiled = ad.compile(ad.tanh(K @ v).sum())
    rng = np.random.default_rng(1)
    k, vv = rng.normal(size=(4, 2, 2)), rng.normal(size=(4, 2))
    value, grads = compiled(K=k, **{"lambda": vv})
    assert value.shape == (4,) and grads["K"].shape == (4, 2, 2) and grads["lambda"].shape == (4, 2)
    for n in range(4):
        expected_value, (gk, gv) = graph_values_and_grads(
            lambda a, b: ad.tanh(a @ b).sum(), [k[n], vv[n]])
        np.testing.assert_allclose(value[n], expected_value, rtol=1e-10)
        np.testing.assert_allclose(grads["K"][n], gk, rtol=1e-9)
        np.testing.assert_allclose(grads["lambda"][n], gv, rtol=1e-9)
    assert compiled.cuda_source is None and compiled.kernel_parts is None


def test_bad_calls_are_clear():
    w, x = ad.symbols("w x")
    compiled = ad.compile(w * x)
    with pytest.raises(ValueError, match="unknown input"):
        compiled(w=1.0, x=2.0, q=3.0)
    with pytest.raises(ValueError, match="no value for x"):
        compiled(w=1.0)
    K = ad.symbols("K", shape=(2, 2))
    with pytest.raises(ValueError, match=r"must end in axes \(2, 2\)"):
        ad.compile(K.sum())(K=np.ones(3))
    with pytest.raises(ValueError, match="scalar"):
        ad.compile(K * 2)
    with pytest.raises(ValueError, match="backend"):
        ad.compile(w * x, backend="fortran")


def test_cupy_source_uses_cupy_without_needing_it():
    w, x, b = ad.symbols("w x b")
    compiled = ad.compile(rich(w, x, b), backend="cupy")
    assert "cupy.tanh(" in compiled.source and "numpy.tanh(" not in compiled.source
    parts = compiled.kernel_parts
    assert parts["in_params"] == "T w, T x, T b"
    assert parts["out_params"] == "T L, T dL_dw, T dL_dx, T dL_db"
    assert "fmax" not in parts["operation"]              # comparisons, which work for any T


HARNESS = """
#include <cmath>
#include <cstdio>
using namespace std;
template <typename T>
void op({params}) {{
{operation}
}}
int main() {{
    double {inputs};
    while (scanf("{scan}", {addresses}) == {count}) {{
        double {outputs};
        op<double>({arguments});
        printf("{printf}\\n", {outputs});
    }}
}}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_kernel_operation_computes_the_same_numbers_as_cpp_on_the_cpu(tmp_path):
    """The exact text handed to cupy.ElementwiseKernel, compiled as C++ and run here."""
    w, x, b = ad.symbols("w x b")
    compiled = ad.compile(rich(w, x, b))
    ins = ["w", "x", "b"]
    outs = [p.split()[1] for p in compiled.kernel_parts["out_params"].split(", ")]
    source = HARNESS.format(
        params=", ".join([f"T {n}" for n in ins] + [f"T& {n}" for n in outs]),
        operation=compiled.kernel_parts["operation"], inputs=", ".join(ins),
        scan=" ".join(["%lf"] * len(ins)), addresses=", ".join(f"&{n}" for n in ins),
        count=len(ins), outputs=", ".join(outs), arguments=", ".join(ins + outs),
        printf=" ".join(["%.17g"] * len(outs)))
    (tmp_path / "op.cpp").write_text(source)
    subprocess.run(["g++", "-O1", "-o", str(tmp_path / "op"), str(tmp_path / "op.cpp")],
                   check=True, capture_output=True, timeout=120)
    rng = np.random.default_rng(2)
    points = rng.normal(size=(6, 3))
    run = subprocess.run([str(tmp_path / "op")], input="\n".join(" ".join(map(repr, p))
                         for p in points.tolist()), capture_output=True, text=True, timeout=60,
                         check=True)
    got = np.array([[float(v) for v in line.split()] for line in run.stdout.splitlines()])
    value, grads = compiled(w=points[:, 0], x=points[:, 1], b=points[:, 2])
    expected = np.stack([value] + [grads[n] for n in ins], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
def test_generated_cuda_source_compiles_with_nvcc(tmp_path):
    w, x, b = ad.symbols("w x b")
    compiled = ad.compile(rich(w, x, b) + classic(w, x, b, x, w))
    path = tmp_path / "kernel.cu"
    path.write_text(compiled.cuda_source)
    result = subprocess.run(["nvcc", "-c", str(path), "-o", str(tmp_path / "kernel.o")],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "__global__ void chainrule_L" in compiled.cuda_source


@pytest.mark.gpu
def test_fused_kernel_and_cupy_code_agree_with_numpy_on_the_gpu():
    cupy = ad.get_backend("cuda").xp
    w, x, b = ad.symbols("w x b")
    out = rich(w, x, b)
    on_cpu, on_gpu = ad.compile(out), ad.compile(out, backend="cupy")
    rng = np.random.default_rng(3)
    arrays = {n: rng.normal(size=1000) for n in ("w", "x", "b")}
    value, grads = on_cpu(**arrays)
    for result in (on_gpu(**{n: cupy.asarray(a) for n, a in arrays.items()}),
                   on_cpu.fused(**arrays)):
        gpu_value, gpu_grads = result
        np.testing.assert_allclose(cupy.asnumpy(gpu_value), value, rtol=1e-9, atol=1e-12)
        for n in arrays:
            np.testing.assert_allclose(cupy.asnumpy(gpu_grads[n]), grads[n], rtol=1e-9,
                                       atol=1e-12)


def test_code_hidden_in_a_symbol_name_never_runs(tmp_path, monkeypatch):
    """15.1: a constant holding a SymPy symbol named like code, and a leaf named like code."""
    import sympy
    monkeypatch.chdir(tmp_path)
    evil = "__import__('os').system('touch pwned')"
    x = ad.symbols("x")
    constant = ad.tensor(np.array(sympy.Symbol(evil), dtype=object))
    with pytest.raises(ValueError, match="not inputs of the graph"):
        ad.compile(x * constant)
    leaf = ad.tensor(np.array(sympy.Symbol(evil, real=True), dtype=object), requires_grad=True)
    out = leaf * x
    out.name = "y); __import__('os').system('touch pwned2'); (z"
    compiled = ad.compile(out)
    import ast
    names = {n.id for n in ast.walk(ast.parse(compiled.source)) if isinstance(n, ast.Name)}
    assert "__import__" not in names and not any("(" in n for n in names)
    value, grads = compiled(x=3.0, **{evil: 2.0})
    assert float(value) == 6.0 and float(grads[evil]) == 3.0 and float(grads["x"]) == 2.0
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_user_functions_and_unknown_names_are_refused():
    import sympy
    x = ad.symbols("x")
    hidden = sympy.Function("os.system")(x.array[()])
    with pytest.raises(ValueError, match="unknown function|not inputs"):
        ad.compile(x * ad.tensor(np.array(hidden, dtype=object)))


def test_names_equal_after_nfkc_neither_collide_nor_shadow_numpy():
    wide, plain = ad.symbols("\uff2b_0"), ad.symbols("K_0")       # Ｋ_0 and K_0
    compiled = ad.compile(wide * plain * 2)
    value, grads = compiled(**{"\uff2b_0": 4.0, "K_0": 4.0})  # noqa: PIE804 (NFKC)
    assert float(value) == 32.0
    assert float(grads["\uff2b_0"]) == 8.0 and float(grads["K_0"]) == 8.0
    assert compiled.source.isascii() and "'\\uff2b_0'" in compiled.source   # name in comments
    numpy_name = ad.symbols("\uff4e\uff55\uff4d\uff50\uff59")              # ｎｕｍｐｙ
    value, grads = ad.compile(ad.exp(numpy_name))(**{"\uff4e\uff55\uff4d\uff50\uff59": 1.0})  # noqa: PIE804
    assert float(value) == pytest.approx(np.e)
    assert list(grads) == ["\uff4e\uff55\uff4d\uff50\uff59"]
