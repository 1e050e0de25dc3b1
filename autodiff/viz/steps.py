"""``ad.draw_steps``: the backward pass as a film, one picture per step, and an animated GIF.

Each frame is the graph of the derivation with the current edge in red and the chain rule of
that step written above it::

    upstream     dL/dv2  = ...          (the gradient that has arrived at the node)
    local        dv2/dv1 = ...          (the op's own derivative along the edge)
    downstream   dL/dv1  = upstream x local

Gradients appear on the nodes as the pass reaches them, so the film shows them flowing back
from the output to the inputs. The graph is laid out once, and each frame restyles that
layout (``frames``): 200 steps cost one layout, not 200.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import frames, labels
from .draw import Highlight, build, prepare
from .render import picture_format, render_bytes, writable_folder, write_bytes
from .symbolic import gradient_forms, numeric, plain, tidy_array

FRAME_FORMATS = ("png", "svg", "pdf")
TEXT_LIMIT = 90          # caption lines wrap (never cut) at about this many characters


@dataclass
class Frames:
    """What ``draw_steps`` wrote: one file per step (``paths``) and the animation (``gif``)."""
    paths: list[Path]
    gif: Path | None

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self):
        return iter(self.paths)

    def __getitem__(self, k):
        return self.paths[k]


def draw_steps(derivation, folder, format: str = "png", *, gif: bool = True,
               values: bool = True, rankdir: str | None = None,
               seconds_per_step: float = 1.5) -> Frames:
    """One picture per step of ``derivation`` (from ``ad.derive``) in ``folder``, named
    ``step_01.png``, ``step_02.png``...; with ``gif``, also ``backward.gif`` (or
    ``forward.gif``) playing them in order. Frames of an earlier run in the folder are
    replaced. Returns the paths written.
    """
    steps = getattr(derivation, "steps", None)
    if steps is None or not hasattr(derivation, "output"):
        raise TypeError(f"draw_steps: expected a Derivation (from ad.derive), got "
                        f"{type(derivation).__name__}")
    if not steps:
        raise ValueError("draw_steps: the derivation has no steps to draw (its output does "
                         "not depend on any input through an op)")
    fmt = picture_format(f"frame.{format}", format, allowed=FRAME_FORMATS)
    folder = writable_folder(folder)
    mode = getattr(derivation, "mode", "reverse")
    graph = getattr(derivation, "graph", None)
    names = {id(n.tensor): n.name for n in graph.forward} if graph is not None else {}
    by_name = {n.name: n.tensor for n in graph.forward} if graph is not None else {}
    prepared = prepare(derivation.output, grads=mode == "reverse", names=names)
    out_name = names.get(id(derivation.output), "L")
    if mode == "reverse" and not getattr(derivation, "numeric", False):
        prepared.grad_texts = gradient_forms(steps, derivation.output)
    prepared.local_cache.update(_local_forms(steps))
    for key, grad in prepared.grad_of.items():        # simplified once, not once per frame
        if key not in prepared.grad_texts:
            prepared.grad_texts[key] = labels.summary(tidy_array(numeric(grad, prepared.subs)))
    for old in folder.glob("step_*.*"):                 # a shorter film must not keep extras
        if re.fullmatch(r"step_\d+\.(png|svg|pdf)", old.name):
            old.unlink()
    width = max(2, len(str(len(steps))))
    base = render_bytes(build(prepared, values, rankdir, Highlight()), "svg").decode("utf-8")
    captions = [_caption(step, k, len(steps), out_name, mode) for k, step in enumerate(steps)]
    rows = max(len(c) for c in captions)
    paths, pngs = [], []
    for k, step in enumerate(steps):
        highlight = _highlight(step, k, steps, derivation.output, mode, by_name)
        svg = frames.restyle(base, build(prepared, values, rankdir, highlight).source,
                             captions[k], rows)
        png = frames.rasterise(svg) if fmt != "svg" or gif else None
        if fmt == "svg":
            data = svg.encode("utf-8")
        else:
            data = png if fmt == "png" else frames.pdf_of(png)
        paths.append(write_bytes(folder / f"step_{k + 1:0{width}d}.{fmt}", data))
        if gif:
            pngs.append(png)
    animation = None
    if gif:
        animation = _write_gif(pngs, folder / f"{mode}.gif", seconds_per_step)
    return Frames(paths, animation)


def _highlight(step, k: int, steps, output, mode: str, by_name: dict) -> Highlight:
    node, inp = step.node, getattr(step, "input", None)
    lit = Highlight(nodes={id(node)} | ({id(inp)} if inp is not None else set()))
    if inp is not None and inp is not node:
        lit.edges.add((id(inp), id(node)))
    for source in getattr(step, "sources", ()) or ():   # the consumers a sum step adds up
        source = by_name.get(source, source) if isinstance(source, str) else source
        if hasattr(source, "_op"):
            lit.edges.add((id(node), id(source)))
            lit.nodes.add(id(source))
    if mode == "reverse":
        lit.grads_for = _known(steps, k, output)
    return lit


def _known(steps, k: int, output) -> set:
    """Ids of the tensors whose gradient is complete after step ``k``: the output, every node
    the walk has reached, and every tensor that no later step contributes to."""
    last: dict[int, int] = {}
    reached = {id(output)}
    for j, step in enumerate(steps):
        receiver = getattr(step, "input", None)
        if receiver is None or getattr(step, "kind", "chain") == "sum":
            receiver = step.node
        last[id(receiver)] = j
        if j <= k:
            reached.add(id(step.node))
    return reached | {i for i, j in last.items() if j <= k}


def _local_forms(steps) -> dict:
    """Edge labels in the nodes' names (``L*(1 - L) = 0.1966``) for scalar chain steps."""
    found = {}
    for step in steps:
        inp = getattr(step, "input", None)
        if getattr(step, "kind", "chain") != "chain" or inp is None or step.node._inputs is None:
            continue
        if step.node.numel() != 1 or inp.numel() != 1:
            continue
        text = _text(getattr(step, "local_form", step.local), step.local)
        for i, x in enumerate(step.node._inputs):
            if x is inp:
                found[id(step.node), i] = text
    return found


def _text(form, value=None) -> str:
    """A form (in the nodes' names) and, when it says something more, its value."""
    text = plain(form)
    if value is None:
        return text
    shown = plain(value)
    if getattr(value, "is_number", False):
        shown = labels.number(value)
    if shown != text and len(shown) <= 40:
        text += f" = {shown}"
    return text


def _caption(step, k: int, count: int, out: str, mode: str) -> list[tuple[str, bool]]:
    """The rows written above a frame, as (text, bold); long rows wrap at spaces (never cut),
    their continuation lines indented."""
    node, inp = step.node_name, getattr(step, "input_name", "")
    kind = getattr(step, "kind", "chain")
    up, local, down = (getattr(step, f"{part}_form", getattr(step, part))
                       for part in ("upstream", "local", "downstream"))
    rows = [f"step {k + 1} of {count} · {step.op}"]
    if kind == "sum":
        parts = " + ".join(plain(p) for p in up) if isinstance(up, tuple) else plain(up)
        rows.append(f"sum of the gradients arriving at {node}: {parts}")
        rows.append(f"d{out}/d{node} = {_text(down, step.downstream)}")
    elif kind == "unbroadcast":
        rows.append(f"un-broadcast: sum over axes {getattr(step, 'axes', ())} back to "
                    f"{inp or node}'s shape")
        rows.append(f"d{out}/d{inp or node} = {_text(down, step.downstream)}")
    elif mode == "reverse":
        rows.append(f"upstream     d{out}/d{node} = {_text(up, step.upstream)}")
        rows.append(f"local        d{node}/d{inp} = {_text(local, step.local)}")
        rows.append(f"downstream   d{out}/d{inp} = upstream × local = "
                    f"{_text(down, step.downstream)}")
    else:
        rows.append(f"tangent of {inp}: {_text(up, step.upstream)}")
        rows.append(f"local        d{node}/d{inp} = {_text(local, step.local)}")
        rows.append(f"adds to the tangent of {node}: {_text(down, step.downstream)}")
    wrapped = []
    for i, row in enumerate(rows):
        lines = labels.wrap(row, TEXT_LIMIT) if len(row) > TEXT_LIMIT else [row]
        wrapped += [(("    " if j else "") + line, i == 0) for j, line in enumerate(lines)]
    return wrapped


def _write_gif(pngs: list[bytes], path: Path, seconds: float) -> Path:
    """The frames as one looping GIF, each padded to the largest frame on white (decoded one
    at a time: 200 large frames never sit in memory together)."""
    from PIL import Image
    sizes = [Image.open(io.BytesIO(data)).size for data in pngs]
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)

    def padded(data):
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(Image.open(io.BytesIO(data)).convert("RGB"), (0, 0))
        return canvas
    durations = [int(seconds * 1000)] * len(pngs)
    durations[-1] *= 2                                   # linger on the finished pass
    buffer = io.BytesIO()
    padded(pngs[0]).save(buffer, format="GIF", save_all=True,
                         append_images=(padded(data) for data in pngs[1:]),
                         duration=durations, loop=0, optimize=False)
    return write_bytes(path, buffer.getvalue())
