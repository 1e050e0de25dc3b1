"""The layers: one family per file (linear, conv, pool, norm, dropout, activation, blocks)."""
