"""Never hand Graphviz a graph it will not finish: an estimate of its work, and a reduced
picture that says what was left out.

``dot`` ranks the nodes, then lays out one *virtual* node for every rank an edge crosses. A
graph of 300 nodes whose first input feeds each of 249 additions in a chain has edges
crossing up to 500 ranks: about 90,000 virtual nodes, and ``dot`` runs for many minutes. The
estimate below ranks the DOT text the same way (longest path from the inputs) and counts
those crossings, in milliseconds, before ``dot`` is started.
"""
from __future__ import annotations

import re
import textwrap
from collections import defaultdict, deque

WORK_LIMIT = 3_000         # nodes plus virtual nodes: dot takes a few seconds here
LABEL_LIMIT = 400_000      # characters of DOT text

_ID = r'(?:"(?:[^"\\]|\\.)*"|[\w.]+)'
_STATEMENT = re.compile(rf"^\s*(?P<a>{_ID})(?:\s*->\s*(?P<b>{_ID}))?\s*(?:\[.*)?$")
_KEYWORDS = {"graph", "node", "edge", "subgraph", "digraph", "}", "{"}


def parse(source: str):
    """(lines, nodes, edges): each line of the DOT text tagged ("node", name), ("edge", a,
    b) or ("other",); nodes in the order they appear, edges as (tail, head) pairs."""
    lines, nodes, edges, seen = [], [], [], set()
    for line in source.splitlines(keepends=True):
        match = _STATEMENT.match(line.rstrip("\n")) if line.startswith("\t") else None
        if match is None or match["a"] in _KEYWORDS or "=" in line.split("[", 1)[0]:
            lines.append((line, ("other",)))
            continue
        a, b = match["a"], match["b"]
        for name in (a, b) if b else (a,):
            if name not in seen:
                seen.add(name)
                nodes.append(name)
        if b:
            edges.append((a, b))
            lines.append((line, ("edge", a, b)))
        else:
            lines.append((line, ("node", a)))
    return lines, nodes, edges


def work(nodes, edges, labelled: bool = True) -> int:
    """Nodes plus the virtual nodes ``dot`` will place: the ranks each edge crosses."""
    rank = _ranks(nodes, edges)
    crossings = sum(max(0, rank[b] - rank[a] - 1) for a, b in edges)
    return len(nodes) + crossings * (4 if labelled else 2)   # dot doubles ranks for labels


def _ranks(nodes, edges) -> dict:
    """Rank of every node: longest path from the inputs, then each node moved down to just
    above its nearest consumer (edges closing a cycle are ignored)."""
    into = defaultdict(int)
    out = defaultdict(list)
    for a, b in edges:
        if a != b:
            out[a].append(b)
            into[b] += 1
    rank = dict.fromkeys(nodes, 0)
    queue = deque(n for n in nodes if into[n] == 0)
    order = []
    while queue:
        a = queue.popleft()
        order.append(a)
        for b in out[a]:
            rank[b] = max(rank[b], rank[a] + 1)
            into[b] -= 1
            if into[b] == 0:
                queue.append(b)
    for a in reversed(order):       # as dot does: a node sits just above its first consumer
        if out[a]:
            rank[a] = min(rank[b] for b in out[a]) - 1
    return rank


def too_big(source: str) -> str | None:
    """Why ``dot`` should not be handed ``source`` (None when it may)."""
    if len(source) > LABEL_LIMIT:
        return f"its DOT text is {len(source):,} characters"
    _, nodes, edges = parse(source)
    estimate = work(nodes, edges, "label=" in source)
    if estimate > WORK_LIMIT:
        return f"its layout would place about {estimate:,} nodes and bends"
    return None


def reduced(source: str, reason: str, budget: int = WORK_LIMIT // 2) -> str:
    """The DOT text cut to the nodes nearest the output that fit ``budget``, with a note.

    Nodes are taken breadth first backwards from the outputs (nodes nothing is drawn from);
    nodes without edges (a legend) stay. Clusters and every kept line stay as written.
    """
    lines, nodes, edges = parse(source)
    into = defaultdict(list)
    has_out, linked = set(), set()
    for a, b in edges:
        into[b].append(a)
        has_out.add(a)
        linked.update((a, b))
    order, seen = [], set()
    queue = deque(n for n in nodes if n in linked and n not in has_out)
    seen.update(queue)
    while queue:
        n = queue.popleft()
        order.append(n)
        for a in into[n]:
            if a not in seen:
                seen.add(a)
                queue.append(a)
    keep_count = _largest_fit(order, edges, budget, sum(len(t) for t, _ in lines))
    kept = set(order[:keep_count]) | {n for n in nodes if n not in linked}
    body = []
    for text, tag in lines:
        if tag[0] == "node" and tag[1] not in kept:
            continue
        if tag[0] == "edge" and not (tag[1] in kept and tag[2] in kept):
            continue
        body.append(text)
    note = (f"reduced picture: the {keep_count} of {len(linked)} nodes nearest the output, "
            f"because {reason}. The whole graph is in the DOT text (picture.source, or -o "
            "graph.dot)")
    text = "".join(body)
    close = text.rindex("}")
    return (text[:close] + f'\treduced_note [label="{_quote(note)}" shape=note style=filled '
            f'fillcolor="#fff3c4" fontcolor="#7a4a00"]\n' + text[close:])


def _largest_fit(order, edges, budget: int, characters: int) -> int:
    """How many of ``order`` (nearest first) fit the work budget (a binary search)."""
    low, high = min(1, len(order)), len(order)
    if characters > LABEL_LIMIT:
        high = max(low, int(len(order) * LABEL_LIMIT / characters / 2))
    while low < high:
        mid = (low + high + 1) // 2
        kept = set(order[:mid])
        if work(order[:mid], [(a, b) for a, b in edges if a in kept and b in kept]) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def note_only(reason: str) -> str:
    """The smallest picture: one note saying why there is no graph."""
    text = (f"no picture: {reason}. The whole graph is in the DOT text (picture.source, or -o "
            "graph.dot)")
    return f'digraph {{\n\tnote [label="{_quote(text)}" shape=note]\n}}\n'


def _quote(text: str) -> str:
    """A DOT string's content, in lines of at most 60 characters."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return "\\l".join(textwrap.wrap(text, 60)) + "\\l"
