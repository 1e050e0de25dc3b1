"""How large a picture will come out of ``dot``, estimated before it runs.

The fold of a large graph is chosen by this estimate (does the picture fit a slide?) rather
than by a count of nodes: twenty nodes in a row are already too wide, a hundred in a column
read fine. ``dot`` puts each node on a rank (its longest path from the inputs; a leaf sits
just before its first consumer), so the picture is about as long as the ranks stacked up and
as wide as its widest rank.
"""
from __future__ import annotations

# (width, height) in pixels at dot's 96 dpi of each kind of node, with the gaps around it
TENSOR, OP, BOX, CONSTANT = (200, 76), (110, 36), (220, 100), (160, 50)
SMALL, SYMBOLIC = (120, 76), (150, 76)
NODE_GAP, RANK_GAP = 24, 50                    # nodesep 0.25in; ranksep 0.35in, with labels
CLUSTER_MARGIN = 16
LEGEND = (620, 70)                             # the colour legend under the graph

FIT = (1600, 2400)    # fits: a slide's width, a scroll of two and a half screens down


def ranks(layout) -> tuple[dict, dict]:
    """The rank ``dot`` is expected to give each drawn item (``("op", id)`` for the oval of
    an op), and each item's (width, height) in pixels."""
    rank: dict = {}
    sizes: dict = {}
    for t in layout.tensors:
        item = _shown(layout, t)
        if item is None or t._op is None:
            continue
        inputs = [_shown(layout, x) for x in t._inputs or ()]
        start = max((rank.get(i, 0) for i in inputs if i is not None and i != item), default=0)
        if item[0] == "t":
            rank[("op", id(t))] = start + 1
            sizes[("op", id(t))] = (min(50 + 7 * len(t._op.display), 300), OP[1])
            rank[item], sizes[item] = start + 2, _tensor_size(t)
        else:
            rank[item], sizes[item] = max(rank.get(item, 0), start + 1), BOX
    for t in layout.tensors:                       # leaves: one rank before their first user
        item = _shown(layout, t)
        if item is None or t._op is not None:
            continue
        users = [rank.get(("op", id(u)), rank.get(_shown(layout, u), 1))
                 for u in layout.consumers.get(id(t), ())]
        rank[item] = max(min(users, default=1) - 1, 0)
        sizes[item] = CONSTANT if not t.requires_grad else _tensor_size(t)
    return rank, sizes


def estimate(layout, rankdir: str = "TB") -> tuple[int, int]:
    """The rendered (width, height) in pixels that ``layout`` is expected to take."""
    rank, sizes = ranks(layout)
    if not rank:
        return (0, 0)
    vertical = rankdir in ("TB", "BT")
    across: dict[int, int] = {}
    along: dict[int, int] = {}
    for item, r in rank.items():
        w, h = sizes[item] if vertical else sizes[item][::-1]
        across[r] = across.get(r, 0) + w + NODE_GAP
        along[r] = max(along.get(r, 0), h)
    depth = max((len(p) for p in layout.place.values()), default=0)
    width = max(across.values()) + 2 * CLUSTER_MARGIN * depth
    length = sum(along.values()) + RANK_GAP * (len(along) - 1)
    width, height = (width, length) if vertical else (length, width)
    return (max(width, LEGEND[0]), height + LEGEND[1])


def _tensor_size(t) -> tuple[int, int]:
    """A tensor box: wide for a summary ("mean 0.02563 · ‖·‖ 8.307"), narrow for a few
    numbers; a symbolic one holds an expression and its edges carry the local gradients."""
    if t.array.dtype == object:
        return SYMBOLIC
    return TENSOR if t.numel() > 6 else SMALL


def fits(size: tuple[int, int], limit: tuple[int, int] = FIT) -> bool:
    return size[0] <= limit[0] and size[1] <= limit[1]


def _shown(layout, t):
    item = layout.item(t)
    return None if item is None or item in layout.hidden else item
