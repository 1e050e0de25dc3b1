"""One self-contained HTML page that steps through a derivation.

Formulas are MathML from SymPy's printer (browsers render it natively: no script, no font,
no CDN), the graph is inline SVG drawn by Graphviz when its ``dot`` program is installed (no
picture otherwise), and a few lines of script show one step at a time: the Next / Previous
buttons and the arrow keys move, and the step's edge lights up in the graph. Nothing is
fetched from the network.

For tests and links, the page reads ``?step=K`` (start at step K) and ``?keys=ArrowRight,...``
(key presses replayed through the same handler once the page has loaded).
"""
from __future__ import annotations

import html as html_text
import itertools
import re
from html.entities import html5

import numpy as np
import sympy

from .formats import definition, headline, labels
from .namespace import exact
from .printing import MAX_SHOWN, plain_rule, value_text
from .step import as_array

_COUNTER = itertools.count(1)

GRAD_COLOUR = "#b03a2e"    # gradients in red, below the values (as CS231n draws them)

STYLE = """
.chainrule-derivation { font-family: system-ui, sans-serif; margin: 0.5rem auto; color: #222;
  outline: none; display: grid; grid-template-columns: minmax(0, 3fr) minmax(20rem, 2fr);
  gap: 0 1.2rem; align-items: start; }
.chainrule-derivation.no-graph { display: block; max-width: 60rem; }
.chainrule-derivation > h1 { font-size: 1.2rem; grid-column: 1 / -1; margin: 0.2rem 0 0.5rem; }
.chainrule-derivation .picture { position: sticky; top: 0; }
.chainrule-derivation .graph svg { max-width: 100%; height: auto; max-height: calc(100vh - 4rem); }
.chainrule-derivation .legend { font-size: 0.85rem; color: #555; margin: 0.2rem 0; }
.chainrule-derivation .legend .grad { color: #b03a2e; }
.chainrule-derivation .panel { min-width: 0; }
.chainrule-derivation h2 { font-size: 1.05rem; margin: 0.8rem 0 0.3rem; }
.chainrule-derivation h3 { font-size: 1rem; margin: 0.2rem 0; }
.chainrule-derivation table { border-collapse: collapse; margin: 0.4rem 0; }
.chainrule-derivation td, .chainrule-derivation th { padding: 0.2rem 0.5rem; text-align: left;
  border-bottom: 1px solid #ddd; vertical-align: middle; }
.chainrule-derivation .controls { margin: 0.3rem 0 0.5rem; }
.chainrule-derivation button { font-size: 1rem; padding: 0.3rem 0.9rem; }
.chainrule-derivation ol.steps { padding: 0; margin: 0; }
.chainrule-derivation .step { border: 2px solid #d22; border-radius: 6px; padding: 0.4rem 0.8rem;
  list-style: none; background: #fffafa; }
.chainrule-derivation .rule { color: #555; margin: 0.2rem 0; }
.chainrule-derivation .number { color: #0a5; font-weight: bold; }
.chainrule-derivation svg g.lit > path, .chainrule-derivation svg g.lit > polygon,
.chainrule-derivation svg g.lit > ellipse { stroke: #d22; stroke-width: 3; }
.chainrule-derivation svg g.edge.lit > polygon { fill: #d22; }
.chainrule-derivation svg text.grad { font-weight: bold; }
"""

SCRIPT = """
(function () {
  var root = document.getElementById('ROOT');
  var steps = root.querySelectorAll('li.step');
  var total = steps.length;
  var current = 1;
  function light(ids, on) {
    ids.split(' ').forEach(function (id) {
      if (!id) { return; }
      var element = root.querySelector('[id="' + id + '"]');
      if (element) { element.classList.toggle('lit', on); }
    });
  }
  function show(k) {
    if (total === 0) { return; }
    current = Math.max(1, Math.min(total, k));
    for (var i = 0; i !== total; i++) {
      steps[i].setAttribute('hidden', 'hidden');
      light(steps[i].getAttribute('data-lights') || '', false);
    }
    steps[current - 1].removeAttribute('hidden');
    light(steps[current - 1].getAttribute('data-lights') || '', true);
    root.querySelectorAll('svg text.grad').forEach(function (label) {
      var known = parseInt(label.getAttribute('data-known') || '0', 10) <= current;
      label.style.visibility = known ? 'visible' : 'hidden';
    });
    if (steps[current - 1].scrollIntoView) { steps[current - 1].scrollIntoView({block: 'nearest'}); }
    root.setAttribute('data-current', String(current));
    root.querySelector('.counter').textContent = 'step ' + current + ' of ' + total;
  }
  function onKey(event) {
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') { show(current + 1); }
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') { show(current - 1); }
    else if (event.key === 'Home') { show(1); }
    else if (event.key === 'End') { show(total); }
    else { return; }
    event.preventDefault();
  }
  root.querySelector('button.next').addEventListener('click', function () { show(current + 1); });
  root.querySelector('button.prev').addEventListener('click', function () { show(current - 1); });
  (STANDALONE ? document : root).addEventListener('keydown', onKey);
  var query = new URLSearchParams(STANDALONE ? window.location.search : '');
  show(parseInt(query.get('step') || '1', 10) || 1);
  (query.get('keys') || '').split(',').forEach(function (key) {
    if (key) { (STANDALONE ? document : root).dispatchEvent(new KeyboardEvent('keydown', {key: key})); }
  });
})();
"""


def _decorated(expr):
    """Symbols named ``Ybar``/``xdot`` drawn with their accent (SymPy's MathML leaves them)."""
    swaps = {}
    for s in expr.atoms(sympy.Symbol):
        base, _, rest = s.name.partition("_")
        for suffix, accent in (("bar", "\u0304"), ("dot", "\u0307")):
            if base.endswith(suffix) and len(base) > len(suffix):
                name = base[:-len(suffix)] + accent + ("_" + rest if rest else "")
                swaps[s] = sympy.Symbol(name)
    return expr.xreplace(swaps) if swaps else expr


def _escaped_names(expr):
    """Every symbol's and user function's name escaped for markup: SymPy's MathML printer
    writes names verbatim, so a tensor named ``<img src=x onerror=...>`` would be a tag."""
    from sympy.core.function import AppliedUndef
    swaps = {s: sympy.Symbol(html_text.escape(s.name)) for s in expr.atoms(sympy.Symbol)
             if html_text.escape(s.name) != s.name}
    expr = expr.xreplace(swaps) if swaps else expr
    return expr.replace(lambda e: isinstance(e, AppliedUndef),
                        lambda e: sympy.Function(html_text.escape(type(e).__name__))(*e.args))


def _entities_to_text(markup: str) -> str:
    """Named entities (``&InvisibleTimes;``) as characters, so the page is well-formed XML."""
    def swap(match):
        name = match.group(1)
        if name in ("lt", "gt", "amp", "quot", "apos"):
            return match.group(0)
        return html5.get(name + ";", match.group(0))
    return re.sub(r"&([A-Za-z][A-Za-z0-9]*);", swap, markup)


def math(value, summary: str = "") -> str:
    """A SymPy expression (or Array) as a ``<math>`` element; large tensors as a summary."""
    array = as_array(value)
    if array.size > MAX_SHOWN and array.ndim > 2:
        nonzero = sum(1 for v in array.flat if exact(v) != 0)
        shape = "×".join(map(str, array.shape))
        return f"<span>({shape} {summary or 'array'}, {nonzero} non-zero)</span>"
    if array.ndim > 2:
        return f"<code>{html_text.escape(str(value))}</code>"
    if array.ndim:
        expr = sympy.Matrix(np.atleast_2d(array).tolist())
    else:
        expr = exact(array[()])
    markup = sympy.mathml(_escaped_names(_decorated(expr)), printer="presentation")
    return ('<math xmlns="http://www.w3.org/1998/Math/MathML">'
            f"{_entities_to_text(markup)}</math>")


def _number(value) -> str:
    number = value_text(value)
    return f' = <span class="number">{html_text.escape(number)}</span>' if number else ""


def gradients_on_the_graph(d) -> dict:
    """``{id(tensor): (k, text)}``: the step ``k`` after which a node's gradient is complete
    (0 for the output) and the gradient as the graph writes it (a number, or a short form)."""
    if d.mode != "reverse" or not d.steps:
        return {}
    first = d.steps[0]
    found = {id(d.output): (0, _short(first.upstream, first.upstream_form, 1))}
    for k, step in enumerate(d.steps, 1):
        receiver = step.node if step.kind == "sum" or step.input is None else step.input
        found[id(receiver)] = (k, _short(step.downstream, step.downstream_form, k))
    return found


def _short(value, form, k: int) -> str:
    text = value_text(value)
    if text is None:
        text = str(form)
    return text if len(text) <= 24 else f"(step {k})"


def graph_svg(d) -> tuple[str, dict]:
    """The graph as inline SVG (empty when Graphviz's ``dot`` is missing) and the ids used.

    Each node shows its name and op, its value, and below it in red its gradient, which the
    page shows once the steps have reached it (``<text class="grad" data-known="k">``)."""
    ids = {id(n.tensor): f"n{n.index}" for n in d.graph.forward}
    grads = gradients_on_the_graph(d)
    esc = html_text.escape
    try:
        import graphviz
    except ImportError:
        return "", ids
    try:
        g = graphviz.Digraph(graph_attr={"rankdir": _direction(d), "bgcolor": "transparent",
                                         "nodesep": "0.2", "ranksep": "0.35"},
                             node_attr={"fontname": "Helvetica", "fontsize": "14"})
        clusters: dict = {}
        for node in d.graph.forward:
            head = f"<b>{esc(node.name)}</b>"
            if not node.is_leaf:
                head += f"&#160;{esc(node.tensor._op.display)}"
            rows = [head]
            number = value_text(node.value)
            if number and len(number) < 24:
                rows.append(esc(number))
            if id(node.tensor) in grads:
                rows.append(f'<font color="{GRAD_COLOUR}">{esc(grads[id(node.tensor)][1])}</font>')
            label = "<<table border='0' cellspacing='0' cellpadding='1'>" + "".join(
                f"<tr><td>{r}</td></tr>" for r in rows) + "</table>>"
            scope = "/".join(node.tensor._scope)
            target = clusters.get(scope, g) if scope else g
            if scope and scope not in clusters:
                clusters[scope] = target = graphviz.Digraph(
                    name=f"cluster_{len(clusters)}", graph_attr={"label": scope, "style": "dashed"})
            target.node(ids[id(node.tensor)], label, id=ids[id(node.tensor)],
                        shape="ellipse" if node.is_leaf else "box", style="rounded",
                        margin="0.06,0.03")
        for sub in clusters.values():
            g.subgraph(sub)
        for node in d.graph.forward:
            for i, x in enumerate(node.tensor._inputs or ()):
                if id(x) in ids:
                    g.edge(ids[id(x)], ids[id(node.tensor)], id=f"e{node.index}_{i}")
        from ..viz.render import render_source  # system dot, or the in-process renderer
        svg = render_source(g.source, "svg").decode("utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError, RuntimeError):
        return "", ids             # no dot program: no picture
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.DOTALL)
    return _mark_gradients(svg.strip(), ids, grads), ids


def _direction(d) -> str:
    """Left to right, unless the graph is much longer than wide: then top to bottom, so that
    it fills the column beside the steps instead of shrinking to a strip."""
    level: dict[int, int] = {}
    for node in d.graph.forward:
        inputs = [level[id(x)] for x in node.tensor._inputs or () if id(x) in level]
        level[id(node.tensor)] = 1 + max(inputs, default=-1)
    widest = max(list(level.values()).count(k) for k in set(level.values()))
    return "TB" if max(level.values()) + 1 > 1.6 * widest else "LR"


def _mark_gradients(svg: str, ids: dict, grads: dict) -> str:
    """Tag each node's red text as its gradient, with the step that completes it."""
    known = {ids[key]: k for key, (k, _) in grads.items() if key in ids}

    def node(match):
        k = known.get(match.group(1))
        if k is None:
            return match.group(0)
        return re.sub(f'<text([^>]*fill="{GRAD_COLOUR}")',
                      f'<text class="grad" data-known="{k}"\\1', match.group(0))
    return re.sub(r'<g id="(n\d+)" class="node">.*?</g>', node, svg, flags=re.DOTALL)


def _lights(d, step, ids) -> str:
    node = ids.get(id(step.node), "")
    if step.kind != "chain":
        return node
    other = ids.get(id(step.input), "")
    edge = f"e{d.graph.node(step.node).index}_{step.index}"
    return " ".join(filter(None, [edge, node, other]))


def _step_rows(d, step) -> list[tuple[str, str, str]]:
    up, local, down = labels(d, step)
    if step.kind == "sum":
        rows = [(f"from {src}", up, math(f) + _number(v))
                for src, f, v in zip(step.sources, step.upstream_form, step.shown("upstream"))]
        total = math(step.downstream_form) + _number(step.shown("downstream"))
        return rows + [("total", up, total)]
    if step.kind == "unbroadcast":
        return [("upstream", up, math(step.upstream_form) + _number(step.shown("upstream"))),
                ("downstream", up, math(step.downstream_form) + _number(step.shown("downstream")))]
    names = ("tangent in", "local", "tangent out") if d.mode == "forward" else (
        "upstream", "local", "downstream")
    return [(names[0], up, math(step.upstream_form) + _number(step.shown("upstream"))),
            (names[1], local, math(step.local_form, "Jacobian") + _number(step.shown("local"))),
            (names[2], down, math(step.downstream_form) + _number(step.shown("downstream")))]


def html(d, standalone: bool = True) -> str:
    """The page (``standalone``) or a fragment for a notebook cell (keys only when focused)."""
    from .formats import title
    root = f"chainrule-derivation-{next(_COUNTER)}"
    svg, ids = graph_svg(d)
    esc = html_text.escape
    kind = "chainrule-derivation" + ("" if svg else " no-graph")
    opening = (f'<div class="{kind}" id="{root}" tabindex="0" data-current="1" '
               f'data-steps="{len(d.steps)}">')
    parts = [opening, f"<h1>{esc(title(d))}</h1>"]
    if svg:          # left: the graph, which stays in view; right: the current step
        note = ("values in black, gradients in red (each appears when the steps reach it); "
                "the edge of the current step in red" if d.mode == "reverse" else
                "values in black; the edge of the current step in red")
        parts.append(f'<div class="picture"><div class="graph">{svg}</div>'
                     f'<p class="legend">{esc(note)}</p></div>')
    parts.append('<div class="panel">')
    heading = "downstream = upstream × local" if d.mode == "reverse" else \
        "tangent out = local × tangent in"
    parts.append(f'<h2>Steps: {esc(heading)}</h2><div class="controls">'
                 '<button type="button" class="prev">◀ Previous</button> '
                 f'<span class="counter">step 1 of {len(d.steps)}</span> '
                 '<button type="button" class="next">Next ▶</button> '
                 '<small>(← → keys)</small></div><ol class="steps">')
    for k, step in enumerate(d.steps, 1):
        hidden = "" if k == 1 else ' hidden="hidden"'
        parts.append(f'<li class="step" data-step="{k}" data-lights="{_lights(d, step, ids)}"'
                     f'{hidden}><h3>step {k}: {esc(headline(d, step))}</h3>')
        if step.rule:
            parts.append(f'<p class="rule">rule: {esc(plain_rule(step.rule))}</p>')
        parts.append("<table>")
        for label, name, cell in _step_rows(d, step):
            parts.append(f"<tr><th>{esc(label)}</th><td>{esc(name)}</td><td>{cell}</td></tr>")
        parts.append("</table></li>")
    parts.append("</ol><h2>Forward pass</h2><table><tr><th>node</th><th>definition</th>"
                 "<th>value</th></tr>")
    for node in d.graph.forward:
        what = "input" if node.is_leaf else _definition_math(d, node)
        parts.append(f"<tr><td>{math(sympy.Symbol(node.name))}</td><td>{what}</td>"
                     f"<td>{esc(value_text(node.value) or '')}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Gradients</h2><table>" if d.mode == "reverse" else
                 "<h2>Result</h2><table>")
    out = d.graph.node(d.output).name if d.output.numel() == 1 else "L"
    for t in d.gradients:
        value = d.gradients[t]
        shown = esc(value_text(value)) if value_text(value) else math(value)
        parts.append(f"<tr><td>d{esc(out)}/d{esc(d.gradients.name_of(t))}</td>"
                     f"<td>{shown}</td></tr>")
    parts.append("</table></div></div>")
    script = SCRIPT.replace("ROOT", root).replace("STANDALONE", "true" if standalone else "false")
    parts.append(f"<script>//<![CDATA[{script}//]]></script>")
    body = "\n".join(parts)
    if not standalone:
        return f"<style>{STYLE}</style>\n{body}"
    return ("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>"
            f'<meta charset="utf-8"/><title>{esc(title(d))}</title><style>{STYLE}</style>'
            f"</head>\n<body>\n{body}\n</body></html>\n")


def _definition_math(d, node) -> str:
    """The node's definition: SymPy's MathML for scalar arithmetic and plain functions."""
    from .formats import _params_text
    from .namespace import SYMPY_NAMESPACE
    t = node.tensor
    scalars = all(x.shape == () for x in t._inputs)
    if t._op.name in ("add", "sub", "mul", "div", "power", "neg") and scalars:
        forms = [d.graph.form(x).array for x in t._inputs]
        return math(np.asarray(t._op.forward(SYMPY_NAMESPACE, *forms), dtype=object)[()])
    if scalars and not _params_text(t._params):
        args = [exact(d.graph.form(x).array[()]) for x in t._inputs]
        name = "σ" if t._op.name == "sigmoid" else t._op.name
        return math(sympy.Function(name)(*args))
    return f"<code>{html_text.escape(definition(d, node))}</code>"
