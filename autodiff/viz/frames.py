"""A film of one graph, laid out once: each frame restyles the same SVG.

Laying the graph out costs Graphviz seconds on a large graph; a frame of ``draw_steps`` only
changes colours (the lit edge, the nodes the gradient has reached), hides gradients not
known yet, and writes the step above the graph. So the graph is laid out once, with every
gradient shown (the largest labels), and each frame edits that SVG: the styles come from the
frame's own DOT text, so a frame shows what ``build`` says it shows. PNG frames are the SVG
rasterised by resvg (the ``resvg-py`` package).
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

from . import bounds

_GROUP = re.compile(r'<g id="(?:node|edge)\d+" class="(node|edge)">\n<title>(.*?)</title>'
                    r"(.*?)</g>", re.DOTALL)
_SHAPE = re.compile(r"<(path|polygon|ellipse|polyline)\b([^>]*?)/>")
_ATTRIBUTE = re.compile(r'\b(fillcolor|color|penwidth|fontcolor)=("[^"]*"|[^\s\]]+)')
FONTS = "Helvetica, Arial, Liberation Sans, Arimo, DejaVu Sans, sans-serif"
CAPTION_SIZE = 11.0
MAX_PIXELS = 2400                  # the longer side of a PNG frame (SVG frames: full size)


def styles(source: str) -> tuple[dict, list]:
    """What a frame's DOT text says about style: per node (fill, stroke, width, has a
    gradient shown), and per edge in order (tail, head, stroke, width, font colour)."""
    nodes, edges = {}, []
    for line, tag in bounds.parse(source)[0]:
        if tag[0] == "other":
            continue
        rest, label = _without_label(line)
        found = {k: v.strip('"') for k, v in _ATTRIBUTE.findall(rest)}
        if tag[0] == "node":
            nodes[tag[1]] = (found.get("fillcolor"), found.get("color", "black"),
                             found.get("penwidth"), "grad " in label)
        else:
            edges.append((tag[1], tag[2], found.get("color", "black"), found.get("penwidth"),
                          found.get("fontcolor")))
    return nodes, edges


def _without_label(line: str) -> tuple[str, str]:
    """(the line without its label, the label): an HTML label may hold any attribute text."""
    start = line.find("label=")
    if start < 0:
        return line, ""
    k = start + len("label=")
    if line.startswith("<", k):
        depth, end = 0, k
        for end in range(k, len(line)):
            depth += {"<": 1, ">": -1}.get(line[end], 0)
            if depth == 0:
                break
    elif line.startswith('"', k):
        end = k + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
    else:
        end = k + len(re.match(r"[^\s\]]*", line[k:])[0]) - 1
    return line[:start] + line[end + 1:], line[k:end + 1]


def restyle(svg: str, frame_source: str, caption: list[tuple[str, bool]],
            caption_rows: int) -> str:
    """The base SVG with the styles of ``frame_source`` and ``caption`` rows above it."""
    nodes, edges = styles(frame_source)
    by_ends: dict[tuple, list] = {}
    for edge in reversed(edges):                  # x * x: two edges, taken in order
        by_ends.setdefault(edge[:2], []).append(edge)

    def group(match):
        kind, title, body = match[1], html.unescape(match[2]), match[3]
        if kind == "node":
            style = nodes.get(title)
            body = body if style is None else _node(body, *style)
        else:
            tail, _, head = title.partition("->")
            waiting = by_ends.get((tail, head))
            body = _edge(body, *waiting.pop()[2:]) if waiting else body
        return match[0][:match.start(3) - match.start(0)] + body + "</g>"
    svg = _GROUP.sub(group, svg)
    return _with_caption(svg, caption, caption_rows)


def _set(attrs: str, name: str, value) -> str:
    attrs = re.sub(rf'\s{name}="[^"]*"', "", attrs)
    return attrs if value is None else f' {name}="{value}"{attrs}'


def _node(body: str, fill, stroke, width, shows_grad) -> str:
    head, sep, tail = body.partition("<text")
    first = [True]

    def shape(match):
        attrs = _set(match[2], "stroke", stroke)
        attrs = _set(attrs, "stroke-width", width if width and width != "1" else None)
        if first[0] and fill and 'fill="none"' not in attrs:
            attrs = _set(attrs, "fill", fill)
        first[0] = False
        return f"<{match[1]}{attrs}/>"
    body = _SHAPE.sub(shape, head) + sep + tail
    if not shows_grad:
        body = re.sub(r"<text\b[^>]*>grad [^<]*</text>\n?", "", body)
    return body


def _edge(body: str, stroke, width, font) -> str:
    def shape(match):
        attrs = _set(match[2], "stroke", stroke)
        if match[1] == "polygon":
            attrs = _set(attrs, "fill", stroke)
        if match[1] == "path":
            attrs = _set(attrs, "stroke-width", width)
        return f"<{match[1]}{attrs}/>"
    body = _SHAPE.sub(shape, body)
    if font:
        body = re.sub(r"<text\b", f'<text fill="{font}"', body)
    return body


def _with_caption(svg: str, rows: list[tuple[str, bool]], count: int) -> str:
    """Room above the graph for ``count`` rows of text, and ``rows`` written there."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([-\d. ]+)"',
                      svg)
    if match is None or count == 0:
        return svg
    width, height = float(match[1]), float(match[2])
    pixels_per_point = min(4 / 3, MAX_PIXELS / max(width, height, 1.0))
    size = max(CAPTION_SIZE, 14 / pixels_per_point)      # 14 px tall even when scaled down
    line = size * 1.35
    room = count * line + size * 0.7
    widest = max((len(text) for text, _ in rows), default=0) * size * 0.55 + 16
    width = max(width, widest)
    x0, y0 = (float(v) for v in match[3].split()[:2])
    opening = (f'<svg width="{width:.2f}pt" height="{height + room:.2f}pt" '
               f'viewBox="{x0:.2f} {y0 - room:.2f} {width:.2f} {height + room:.2f}"')
    texts = [(f'<rect x="{x0:.2f}" y="{y0 - room:.2f}" width="{width:.2f}" '
             f'height="{height + room:.2f}" fill="white"/>')]
    for k, (text, bold) in enumerate(rows):
        weight = ' font-weight="bold"' if bold else ""
        texts.append(f'<text xml:space="preserve" x="{x0 + size * 0.7:.2f}" '
                     f'y="{y0 - room + 4 + (k + 0.8) * line:.2f}" font-family="Helvetica,'
                     f'sans-Serif" font-size="{size:.2f}"{weight}>'
                     f"{html.escape(text, quote=False)}</text>")
    svg = svg[:match.start()] + opening + svg[match.end():]
    close = svg.index(">", svg.index("<svg")) + 1
    return svg[:close] + "\n" + "\n".join(texts) + svg[close:]


def rasterise(svg: str) -> bytes:
    """PNG bytes of an SVG written by Graphviz, at Graphviz's own 96 dpi (smaller past
    MAX_PIXELS), with fonts that carry Greek and mathematical signs."""
    try:
        import resvg_py
    except ImportError:
        raise ImportError("PNG frames need the resvg-py package: pip install resvg-py") \
            from None
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    zoom = 4 / 3
    if match is not None:
        width, height = float(match[1]), float(match[2])
        zoom = min(zoom, MAX_PIXELS / max(width, height, 1.0))
        svg = svg[:match.start()] + f'<svg width="{width:.2f}" height="{height:.2f}"' \
            + svg[match.end():]
    svg = re.sub(r'font-family="[^"]*"', f'font-family="{FONTS}"', svg)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, font_files=_font_files(),
                                       sans_serif_family="DejaVu Sans"))


def _font_files() -> list[str]:
    """matplotlib's DejaVu Sans (a dependency already): legible on a machine with no fonts."""
    try:
        import matplotlib
    except ImportError:
        return []
    folder = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
    return [str(folder / name) for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            if (folder / name).is_file()]


def pdf_of(png: bytes) -> bytes:
    """A one-page PDF holding the PNG."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(buffer, format="PDF", resolution=96.0)
    return buffer.getvalue()
