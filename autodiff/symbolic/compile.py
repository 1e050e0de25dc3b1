"""compile(): readable NumPy / CuPy code for a value and all its gradients, from a derivation.

The derivation gives the output and every gradient as exact SymPy expressions. SymPy's
common-subexpression elimination (``cse``) pulls out what they share (the sigmoid's
``exp(-z)`` is computed once), and SymPy's NumPy / CuPy printers write one line per
subexpression. The result is plain Python a learner can read (``.source``) and call on arrays.

When every input is a scalar symbol the whole computation is element-wise, so it can also run
as one fused CUDA kernel: ``.kernel_parts`` are the pieces of a ``cupy.ElementwiseKernel``
(written by SymPy's C printer) and ``.cuda_source`` the same code as a complete ``.cu`` file.
"""
from __future__ import annotations

import ast
import builtins
import keyword
import re

import numpy as np
import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import CuPyPrinter, NumPyPrinter

from ..tensor import Tensor
from .derive import Derivation
from .step import as_array

_RESERVED = {"numpy", "cupy", "functools", "full", "shape", "dtype", "value_and_gradients",
             "gradients", "value", *dir(builtins)}

_PRINTED_BUILTINS = {"abs", "min", "max", "float", "int", "bool", "complex", "pow", "round"}


class KernelPrinter(C99CodePrinter):
    """SymPy's C printer, writing max/min as comparisons: CUDA's ``fmax(0, x)`` with an int
    and a float picks a host-only overload, while a comparison works for any type T."""

    def _print_Max(self, expr):
        return self._extremum(expr, ">")

    def _print_Min(self, expr):
        return self._extremum(expr, "<")

    def _extremum(self, expr, op: str) -> str:
        args = [self._print(a) for a in expr.args]
        result = args[0]
        for a in args[1:]:
            result = f"(({result}) {op} ({a}) ? ({result}) : ({a}))"
        return result


def _identifier(name: str, taken: set) -> str:
    """A new ASCII identifier for ``name``, used by no other name.

    Only the letters, digits and underscores of ASCII survive: Python folds identifiers by
    Unicode NFKC (``Ｋ_0`` is ``K_0``, ``ｎｕｍｐｙ`` is ``numpy``), so anything else could
    collide with another name or shadow a module. The user's own name stays in comments and
    in the keys of the returned gradients, never in code.
    """
    safe = re.sub(r"[^0-9A-Za-z_]+", "_", name)
    if not re.match(r"[A-Za-z]", safe):
        safe = "v_" + safe.lstrip("_")
    while keyword.iskeyword(safe) or safe in _RESERVED or safe in taken:
        safe += "_"
    taken.add(safe)
    return safe


def _check_expressions(exprs, inputs: set) -> None:
    """Only the inputs' own (renamed) symbols and SymPy's known functions may be printed."""
    for expr in exprs:
        stray = expr.free_symbols - inputs
        if stray:
            names = ", ".join(sorted(ascii(s.name) for s in stray))
            raise ValueError(f"compile: the output depends on symbol(s) {names} that are not "
                             "inputs of the graph (a constant holding a SymPy symbol?); make "
                             "them inputs with ad.symbols(...)")
        unknown = expr.atoms(AppliedUndef)
        if unknown:
            names = ", ".join(sorted(ascii(type(f).__name__) for f in unknown))
            raise ValueError(f"compile: unknown function(s) {names}; only the library's own "
                             "ops can be compiled")


def _check_source(source: str, names: set) -> None:
    """The generated code uses only the generator's names and modules' attributes, no text.

    A last guard before ``exec``: any other identifier, any string (but the docstring) or
    any private attribute (``__class__``) means the source was not written by the generator
    alone, and it is refused.
    """
    tree = ast.parse(source)
    docstring = tree.body[0].body[0].value
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in names:
            raise ValueError(f"compile: refusing generated code that uses the name {node.id!r}")
        if isinstance(node, ast.Attribute) and not re.fullmatch(r"[a-z][a-z0-9_]*", node.attr):
            raise ValueError(f"compile: refusing generated code with attribute {node.attr!r}")
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and \
                node is not docstring:
            raise ValueError("compile: refusing generated code that holds text")
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda, ast.Global)):
            raise ValueError(  # noqa: TRY004 - refused code, not a wrong argument type
                "compile: refusing generated code with an import or lambda")


class CompiledFunction:
    """Generated code for an output's value and gradients: call it with arrays by name.

    >>> import autodiff as ad, numpy as np
    >>> w, x = ad.symbols("w x")
    >>> fn = ad.compile(w * x)
    >>> value, grads = fn(w=np.array([2.0]), x=np.array([3.0]))
    >>> float(value[0]), float(grads["w"][0]), float(grads["x"][0])
    (6.0, 3.0, 2.0)
    """

    def __init__(self, output: Tensor, backend: str = "numpy"):
        if backend not in ("numpy", "cupy"):
            raise ValueError(f"compile: backend must be 'numpy' or 'cupy', not {backend!r}")
        if not isinstance(output, Tensor) or output.numel() != 1:
            shape = output.shape if isinstance(output, Tensor) else type(output).__name__
            raise ValueError(f"compile: the output must be a scalar (shape () or size 1), got "
                             f"{shape}; reduce it first, e.g. with .sum()")
        derivation = Derivation(output)
        self.backend = backend
        self.derivation = derivation
        leaves = derivation.graph.leaves
        self.names = tuple(n.name for n in leaves)
        self.shapes = {n.name: n.shape for n in leaves}
        taken: set = set()
        self._arg = {n.name: _identifier(n.name, taken) for n in leaves}
        swaps, element_vars = {}, {}
        for n in leaves:
            for index, s in np.ndenumerate(np.asarray(n.symbols, dtype=object)):
                var = self._arg[n.name] if not index else _identifier(
                    "_".join([self._arg[n.name], *map(str, index)]), taken)
                swaps[s] = sympy.Symbol(var, real=True)
                element_vars[(n.name, index)] = var
        out_name = derivation.graph.node(output).name
        self._value_var = _identifier(out_name, taken)
        self._grad_vars = {(n.name, index): _identifier(
            "_".join([f"d{out_name}_d{self._arg[n.name]}", *map(str, index)]), taken)
            for n in leaves for index in np.ndindex(*n.shape)}
        value = sympy.sympify(np.asarray(output.array, dtype=object).reshape(())[()])
        exprs = [value.xreplace(swaps)]
        for n in leaves:
            g = as_array(derivation.gradients[n.tensor])
            exprs += [sympy.sympify(e).xreplace(swaps) for e in g.reshape(-1)]
        _check_expressions(exprs, set(swaps.values()))
        prefix = "cse"
        while any(re.fullmatch(prefix + r"\d+", v) for v in taken):
            prefix += "_"
        self._replacements, self._reduced = sympy.cse(
            exprs, symbols=sympy.numbered_symbols(prefix, real=True))
        self._element_vars = element_vars
        self.source = self._python()
        _check_source(self.source, {*taken, *(str(s) for s, _ in self._replacements),
                                    "numpy", "cupy", "functools", "full", "shape", "dtype",
                                    "value", "value_and_gradients", "g", "gradients",
                                    *_PRINTED_BUILTINS})
        self.elementwise = all(n.shape == () for n in leaves)
        self.kernel_parts = self._kernel_parts() if self.elementwise else None
        self.cuda_source = self._cuda_file() if self.elementwise else None
        self._fn = None

    # ---- Python --------------------------------------------------------------------------
    def _python(self) -> str:
        xp = self.backend
        printer = (NumPyPrinter if xp == "numpy" else CuPyPrinter)({"fully_qualified_modules": True})
        args = [self._arg[n] for n in self.names]
        out = self._value_var
        lines = [f"# generated by autodiff.compile: {out} and its gradients, from the derivation's",
                 "# SymPy expressions after common-subexpression elimination (sympy.cse).",
                 f"# Expects the modules numpy{', cupy' if xp == 'cupy' else ''} and functools.",
                 "# Inputs (generated name: the symbol's own name):"]
        lines += [f"#   {self._arg[n]}: {n!a}" for n in self.names]
        lines += [f"def value_and_gradients({', '.join(args)}):",
                  f'    """Arrays in (they broadcast together); returns ({out}, gradients in '
                  + 'the order of the inputs)."""']
        tensors = [n for n in self.names if self.shapes[n]]
        if tensors:
            lines.append("    # the elements of the tensor inputs (trailing axes)")
        for name in tensors:
            for index in np.ndindex(*self.shapes[name]):
                where = ", ".join(["...", *map(str, index)])
                lines.append(f"    {self._element_vars[(name, index)]} = "
                             f"{self._arg[name]}[{where}]")
        if self._replacements:
            lines.append("    # shared subexpressions")
        for symbol, expr in self._replacements:
            lines.append(f"    {symbol} = {printer.doprint(expr)}")
        lines.append("    # the value and the gradients")
        results = [self._value_var] + list(self._grad_vars.values())
        for var, expr in zip(results, self._reduced):
            lines.append(f"    {var} = {printer.doprint(expr)}")
        batch = ", ".join(f"numpy.shape({self._arg[n]})" + (
            f"[:-{len(self.shapes[n])}]" if self.shapes[n] else "") for n in self.names)
        lines += ["    # every result gets the inputs' broadcast shape and a floating dtype",
                  f"    shape = numpy.broadcast_shapes({batch})",
                  f"    dtype = {xp}.result_type({', '.join(args)}, numpy.float32)",
                  "",
                  "    def full(value):",
                  f"        return {xp}.broadcast_to({xp}.asarray(value, dtype=dtype), shape).copy()",
                  "",
                  "    gradients = []"]
        for name in self.names:
            parts = [self._grad_vars[(name, index)] for index in np.ndindex(*self.shapes[name])]
            if not self.shapes[name]:
                lines.append(f"    gradients.append(full({parts[0]}))  # d/d {name!a}")
            else:
                lines.append(f"    gradients.append({xp}.stack([full(g) for g in "
                             f"({', '.join(parts)},)], axis=-1).reshape("
                             f"shape + {self.shapes[name]!r}))  # d/d {name!a}")
        lines.append(f"    return full({self._value_var}), gradients")
        return "\n".join(lines) + "\n"

    def _function(self):
        if self._fn is None:
            import functools
            namespace = {"numpy": np, "functools": functools}
            if self.backend == "cupy":
                from ..backend import get_backend
                namespace["cupy"] = get_backend("cuda").xp
            # generated above from SymPy's printers, renamed inputs only, checked by
            # _check_source: no user text reaches this
            code = builtins.compile(self.source, "<autodiff.compile>", "exec")
            exec(code, namespace)  # noqa: S102
            self._fn = namespace["value_and_gradients"]
        return self._fn

    def _arguments(self, arrays: dict) -> list:
        unknown = sorted(set(arrays) - set(self.names))
        if unknown:
            raise ValueError(f"compiled function: unknown input(s) {', '.join(unknown)}; "
                             f"the inputs are {', '.join(self.names)}")
        missing = [n for n in self.names if n not in arrays]
        if missing:
            raise ValueError(f"compiled function: no value for {', '.join(missing)}")
        args = []
        for name in self.names:
            value = arrays[name]
            value = value.array if isinstance(value, Tensor) else value
            if self.backend == "numpy":
                value = np.asarray(value)
            shape = self.shapes[name]
            if shape and tuple(np.shape(value)[-len(shape):]) != shape:
                raise ValueError(f"compiled function: {name} must end in axes {shape}, "
                                 f"got shape {np.shape(value)}")
            args.append(value)
        return args

    def __call__(self, **arrays):
        """``(value, {name: gradient})`` for arrays given by symbol name."""
        value, gradients = self._function()(*self._arguments(arrays))
        return value, dict(zip(self.names, gradients))

    # ---- CUDA --------------------------------------------------------------------------------
    def _kernel_parts(self) -> dict:
        printer = KernelPrinter()

        def c(expr) -> str:
            return re.sub(r"\s*\n\s*", " ", printer.doprint(expr))

        body = [f"const T {symbol} = {c(expr)};" for symbol, expr in self._replacements]
        results = [self._value_var] + list(self._grad_vars.values())
        body += [f"{var} = {c(expr)};" for var, expr in zip(results, self._reduced)]
        return {"in_params": ", ".join(f"T {self._arg[n]}" for n in self.names),
                "out_params": ", ".join(f"T {v}" for v in results),
                "operation": "\n".join(body),
                "name": "chainrule_" + self._value_var}

    def _cuda_file(self) -> str:
        parts = self.kernel_parts
        ins = [self._arg[n] for n in self.names]
        outs = [self._value_var] + list(self._grad_vars.values())
        params = [f"const T* __restrict__ {v}_in" for v in ins] + [
            f"T* __restrict__ {v}_out" for v in outs] + ["long long n"]
        header = (f"// generated by autodiff.compile: {self._value_var} and its gradients, "
                  "one thread per element")
        lines = [header,
                 "// (the operation is the body of the cupy.ElementwiseKernel in kernel_parts)",
                 "template <typename T>",
                 f"__global__ void {parts['name']}({', '.join(params)}) {{",
                 "    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;",
                 "    if (i >= n) return;"]
        lines += [f"    const T {v} = {v}_in[i];" for v in ins]
        lines.append(f"    T {', '.join(outs)};")
        lines += ["    " + line for line in parts["operation"].splitlines()]
        lines += [f"    {v}_out[i] = {v};" for v in outs]
        lines.append("}")
        for ctype in ("float", "double"):
            types = [f"const {ctype}*"] * len(ins) + [f"{ctype}*"] * len(outs) + ["long long"]
            lines.append(f"template __global__ void {parts['name']}<{ctype}>({', '.join(types)});")
        return "\n".join(lines) + "\n"

    def kernel(self):
        """The fused ``cupy.ElementwiseKernel`` (needs CuPy and a GPU)."""
        if not self.elementwise:
            raise ValueError("compile: a fused kernel needs element-wise inputs (scalar "
                             f"symbols only); this one has tensors {self.shapes}")
        from ..backend import get_backend
        cupy = get_backend("cuda").xp
        parts = self.kernel_parts
        return cupy.ElementwiseKernel(parts["in_params"], parts["out_params"],
                                      parts["operation"], parts["name"])

    def fused(self, **arrays):
        """Like calling, but one fused GPU kernel computes the value and every gradient."""
        from ..backend import get_backend
        cupy = get_backend("cuda").xp
        args = [cupy.asarray(a) for a in self._arguments(arrays)]
        dtype = cupy.result_type(*args, cupy.float32)
        results = self.kernel()(*[a.astype(dtype, copy=False) for a in args])
        return results[0], dict(zip(self.names, results[1:]))

    def __repr__(self) -> str:
        return (f"<CompiledFunction {self._value_var}({', '.join(self.names)}) "
                f"backend={self.backend!r}>")


def compile(output: Tensor, backend: str = "numpy") -> CompiledFunction:
    """Generated forward + backward code for a scalar symbolic ``output`` (see the module)."""
    return CompiledFunction(output, backend)
