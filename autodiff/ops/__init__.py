"""The primitive table, split by family; ``autodiff.primitive.PRIMITIVES`` holds them all."""
