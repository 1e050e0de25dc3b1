"""A derivation written out: aligned text for a terminal, Markdown, and a LaTeX ``align`` block.

Every format shows the same three parts: the forward pass (each node from its inputs, with its
value once the derivation has numbers), the steps (upstream x local = downstream, the numbers
beside each), and the gradients.
"""
from __future__ import annotations

import html

import numpy as np
import sympy

from .graph import GraphNode
from .namespace import SYMPY_NAMESPACE, exact
from .printing import expr_latex, expr_text, latex_of, plain_rule, value_text

INFIX_TEXT = {"add": "+", "sub": "-", "mul": "*", "div": "/", "power": "**", "matmul": "@"}
INFIX_LATEX = {"add": "+", "sub": "-", "mul": r"\cdot", "div": "/", "matmul": ""}
LATEX_FUNCTIONS = {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log", "sin": r"\sin",
                   "cos": r"\cos", "tanh": r"\tanh"}
ELEMENTWISE_ARITHMETIC = ("add", "sub", "mul", "div", "power", "neg")


def _name_latex(name: str) -> str:
    return latex_of(sympy.Symbol(name))


def _markdown_text(text: str) -> str:
    """Plain text in a Markdown table: no HTML (a name like ``<img ...>``), no cell breaks."""
    return html.escape(text, quote=False).replace("|", r"\|")


def _input_name(d, x, style: str) -> str:
    node = d.graph.node(x)
    if node is not None:
        return node.name if style == "text" else _name_latex(node.name)
    data = np.asarray(x.array, dtype=object)
    if data.shape == ():
        text = str(data[()]) if style == "text" else latex_of(data[()])
        return f"({text})" if text.startswith("-") else text
    return f"const{list(data.shape)}" if style == "text" else r"\mathrm{const}"


def _params_text(params: dict) -> str:
    shown = []
    for key, value in (params or {}).items():
        if value is None or value is False:
            continue                              # defaults that say nothing
        simple = isinstance(value, (int, float, str, bool, sympy.Number))
        if simple or (isinstance(value, tuple) and all(isinstance(v, int) for v in value)):
            shown.append(f"{key}={value}")
    return ", ".join(shown)


def definition(d, node: GraphNode, style: str = "text") -> str:
    """How ``node`` is computed from its inputs: ``w0 * x0``, ``sigmoid(v4)``, ``X @ W``."""
    t = node.tensor
    op = t._op
    if style == "latex" and op.name in ELEMENTWISE_ARITHMETIC and all(
            x.shape == () for x in t._inputs):
        forms = [d.graph.form(x).array for x in t._inputs]
        value = np.asarray(op.forward(SYMPY_NAMESPACE, *forms), dtype=object)[()]
        return latex_of(exact(value))
    args = [_input_name(d, x, style) for x in t._inputs]
    infix = INFIX_TEXT if style == "text" else INFIX_LATEX
    if op.name in infix and len(args) == 2:
        if style == "latex" and op.name == "power":
            return f"{{{args[0]}}}^{{{args[1]}}}"
        return f"{args[0]} {infix[op.name]} {args[1]}".replace("  ", " ")
    if op.name == "neg":
        return f"-{args[0]}"
    params = _params_text(t._params)
    inside = ", ".join(args + ([params] if params else []))
    if style == "text":
        return f"{op.name}({inside})"
    fn = LATEX_FUNCTIONS.get(op.name, rf"\operatorname{{{op.name}}}".replace("_", r"\_"))
    return rf"{fn}\left({inside}\right)"


def labels(d, step) -> tuple[str, str, str]:
    """(upstream, local, downstream) names, e.g. dL/dv4, dv4/dv3, dL/dv3."""
    loss = d.graph.node(d.output).name if d.output.numel() == 1 else "L"
    node, into = step.node_name, step.input_name or step.node_name
    if d.mode == "forward":
        wrt = d.graph.node(d.wrt[0]).name
        return f"d{into}/d{wrt}", f"d{node}/d{into}", f"d{node}/d{wrt}"
    return f"d{loss}/d{node}", f"d{node}/d{into}", f"d{loss}/d{into}"


def headline(d, step) -> str:
    if step.kind == "sum":
        return f"sum of the {len(step.upstream_form)} contributions {step.node_name} received"
    if step.kind == "unbroadcast":
        return (f"unbroadcast: sum over axes {step.axes} back to {step.node_name}'s shape "
                f"{tuple(step.node.shape)}")
    scope = f"[{'/'.join(step.scope)}] " if step.scope else ""
    arrow = f"{step.node_name} -> {step.input_name}" if d.mode == "reverse" else (
        f"{step.input_name} -> {step.node_name}")
    return f"{scope}{step.op}  {arrow}"


# ---- text ---------------------------------------------------------------------------------------
def _rows_for(d, step) -> list[tuple[str, str, object, object]]:
    """(label, name, form, value) rows of one step."""
    up, local, down = labels(d, step)
    if step.kind == "sum":
        rows = [(f"from {src}", up, form, value)
                for src, form, value in zip(step.sources, step.upstream_form,
                                            step.shown("upstream"))]
        return rows + [("total", up, step.downstream_form, step.shown("downstream"))]
    if step.kind == "unbroadcast":
        return [("upstream", up, step.upstream_form, step.shown("upstream")),
                ("downstream", up, step.downstream_form, step.shown("downstream"))]
    names = ("tangent in", "local", "tangent out") if d.mode == "forward" else (
        "upstream", "local", "downstream")
    return [(names[0], up, step.upstream_form, step.shown("upstream")),
            (names[1], local, step.local_form, step.shown("local")),
            (names[2], down, step.downstream_form, step.shown("downstream"))]


def text(d) -> str:
    """The derivation for a terminal: forward values, then each step aligned, then gradients."""
    widths = text_widths(d)
    lines = text_header(d)
    for k in range(1, len(d.steps) + 1):
        lines += text_step(d, k, widths)
    return "\n".join(lines + text_gradients(d)) + "\n"


def text_header(d) -> list[str]:
    """The title, the forward pass and the heading of the steps."""
    lines = [title(d), "", "forward pass: each node from its inputs"]
    lines += _forward_lines(d)
    lines += ["", "backward pass: downstream = upstream × local" if d.mode == "reverse"
              else f"tangents d(node)/d{d.graph.node(d.wrt[0]).name}, pushed forward: "
                   "tangent out = local × tangent in"]
    return lines


def text_widths(d) -> tuple[int, int, int]:
    """Column widths shared by every step, so all steps align."""
    rows = [r for step in d.steps for r in _rows_for(d, step)]
    head = min(28, max([len(headline(d, s)) for s in d.steps if s.kind == "chain"] + [1]))
    name = max([len(r[1]) for r in rows] + [1])
    form = min(36, max([len(expr_text(r[2], "Jacobian")) for r in rows] + [1]))
    return head, name, form


def text_step(d, k: int, widths: tuple[int, int, int]) -> list[str]:
    """Step ``k`` (1-based): its headline and rule, then one aligned line per quantity."""
    step = d.steps[k - 1]
    head_width, name_width, form_width = widths
    rule = plain_rule(step.rule) if step.rule else ""
    head = f"  step {k:<3} {headline(d, step):<{head_width}}"
    lines = [(head + (f"   rule: {rule}" if rule else "")).rstrip()]
    for label, name, form, value in _rows_for(d, step):
        form_text = expr_text(form, "Jacobian")
        line = f"    {label:<11} {name:<{name_width}} = {form_text:<{form_width}}"
        number = value_text(value)
        if number is not None and number != form_text:
            line += f" = {number}"
        lines.append(line.rstrip())
    return lines


def text_gradients(d) -> list[str]:
    out_name = d.graph.node(d.output).name if d.output.numel() == 1 else "L"
    lines = ["", "gradients" if d.mode == "reverse" else "result"]
    for t in d.gradients:
        value = d.gradients[t]
        number = value_text(value)
        lines.append(f"  d{out_name}/d{d.gradients.name_of(t)} = "
                     f"{number if number is not None else expr_text(value)}")
    return lines


def title(d) -> str:
    """``reverse mode: L = ... at w = 2, x = -1`` (a long tensor value is given as its shape)."""
    out = d.graph.node(d.output)
    mode = "reverse mode" if d.mode == "reverse" else "forward mode"
    at = ""
    if d.values:
        at = " at " + ", ".join(f"{k} = {value_text(v)}" for k, v in d.values.items())
    value = _flat(d.value)
    if len(value) > 100:
        value = f"({'x'.join(map(str, out.shape))} tensor)"
    return f"{mode}: {out.name} = {value}{at}"


def _flat(value) -> str:
    return expr_text(value) if not value_text(value) else value_text(value)


def _forward_lines(d) -> list[str]:
    lines = []
    width = max(len(n.name) for n in d.graph.forward)
    defs = {id(n.tensor): definition(d, n) for n in d.graph.forward if not n.is_leaf}
    def_width = min(32, max([len(v) for v in defs.values()] + [1]))
    for node in d.graph.leaves:
        number = value_text(node.value)
        if number is not None:
            lines.append(f"  {node.name:<{width}} = {number}")
    for node in d.graph.forward:
        if node.is_leaf:
            continue
        line = f"  {node.name:<{width}} = {defs[id(node.tensor)]:<{def_width}}"
        number = value_text(node.value)
        if number is not None:
            line += f" = {number}"
        lines.append(line.rstrip())
    return lines


# ---- Markdown ----------------------------------------------------------------------------------
def _cell(latex: str) -> str:
    return "$" + latex.replace("|", r"\vert ") + "$"


def _with_number(form, value, summary: str = "") -> str:
    cell = _cell(expr_latex(form, summary))
    number = value_text(value)
    if number is not None and number != value_text(form):
        cell += f" = {number}"
    return cell


def markdown(d) -> str:
    """Tables: the forward pass and the steps, then the gradients as a list."""
    lines = [f"### {_markdown_text(title(d))}", "", "**Forward pass**", "",
             "| node | definition | value |",
             "|---|---|---|"]
    for node in d.graph.forward:
        number = value_text(node.value) or ""
        what = "input" if node.is_leaf else _cell(definition(d, node, "latex"))
        lines.append(f"| {_cell(_name_latex(node.name))} | {what} | {number} |")
    heading = "upstream × local = downstream" if d.mode == "reverse" else \
        "local × tangent in = tangent out"
    columns = "upstream | local | downstream" if d.mode == "reverse" else \
        "tangent in | local | tangent out"
    lines += ["", f"**Steps** ({heading})", "",
              f"| step | edge | rule | {columns} |", "|---|---|---|---|---|---|"]
    for k, step in enumerate(d.steps, 1):
        rule = _cell(step.rule) if step.rule else ""
        if step.kind == "sum":
            ups = " + ".join(_with_number(f, v)
                             for f, v in zip(step.upstream_form, step.shown("upstream")))
            lines.append(f"| {k} | sum into {_cell(_name_latex(step.node_name))} | {rule} | {ups} "
                         f"| | {_with_number(step.downstream_form, step.shown('downstream'))} |")
            continue
        local = "" if step.local_form is None else _with_number(
            step.local_form, step.shown("local"), "Jacobian")
        lines.append(f"| {k} | {_markdown_text(headline(d, step))} | {rule} | "
                     f"{_with_number(step.upstream_form, step.shown('upstream'))} | {local} | "
                     f"{_with_number(step.downstream_form, step.shown('downstream'))} |")
    lines += ["", "**Gradients**" if d.mode == "reverse" else "**Result**", ""]
    for t in d.gradients:
        name = _name_latex(d.gradients.name_of(t))
        value = d.gradients[t]
        shown = value_text(value) or _cell(expr_latex(value))
        lines.append(f"- {_cell(_partial(d, name))} = {shown}")
    return "\n".join(lines) + "\n"


def _partial(d, name_latex: str) -> str:
    loss = _name_latex(d.graph.node(d.output).name) if d.output.numel() == 1 else "L"
    return rf"\frac{{\partial {loss}}}{{\partial {name_latex}}}"


# ---- LaTeX ---------------------------------------------------------------------------------------
def latex(d, environment: str = "align", display: bool = False) -> str:
    """An ``align`` block: the forward pass, one line per step, the gradients."""
    rows = []
    for node in d.graph.forward:
        if node.is_leaf:
            continue
        number = value_text(node.value)
        rows.append(f"{_name_latex(node.name)} &= {definition(d, node, 'latex')}"
                    + (f" = {number}" if number is not None else ""))
    for k, step in enumerate(d.steps, 1):
        target = step.input_name if step.kind == "chain" and d.mode == "reverse" else step.node_name
        lhs = _partial(d, _name_latex(target)) if d.mode == "reverse" else (
            rf"\dot{{{_name_latex(step.node_name)}}}")
        if step.kind == "sum":
            rhs = " + ".join(expr_latex(f) for f in step.upstream_form)
        elif step.kind == "unbroadcast":
            rhs = rf"\textstyle\sum_{{\text{{axes }} {step.axes}}} {expr_latex(step.upstream_form)}"
        else:
            up, local = expr_latex(step.upstream_form), expr_latex(step.local_form, "Jacobian")
            times = r"\odot" if step.local_kind == "elementwise" else r"\cdot"
            names = ("upstream", "local") if d.mode == "reverse" else ("tangent in", "local")
            rhs = (rf"\underbrace{{{up}}}_{{\text{{{names[0]}}}}} {times} "
                   rf"\underbrace{{{local}}}_{{\text{{{names[1]}}}}}")
        number = value_text(step.shown("downstream"))
        rhs += f" = {expr_latex(step.downstream_form)}"
        if number is not None and number != value_text(step.downstream_form):
            rhs += f" = {number}"
        note = step.op.replace("_", r"\_")
        rows.append(f"{lhs} &= {rhs} && \\text{{step {k}: {note}}}")
    for t in d.gradients:
        value = d.gradients[t]
        shown = value_text(value) or expr_latex(value)
        rows.append(f"{_partial(d, _name_latex(d.gradients.name_of(t)))} &= {shown}")
    body = " \\\\\n".join(rows)
    block = f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"
    return f"$$\n{block}\n$$" if display else block
