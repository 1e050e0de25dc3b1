"""Linear algebra."""
from harness import add, rng


def X(T, *shape, seed=0):
    return T.tensor(rng(seed).standard_normal(shape))


S = add
S("matmul_2d", lambda T: X(T, 2, 3) @ X(T, 3, 4, seed=1))
S("matmul_1d_1d", lambda T: X(T, 3) @ X(T, 3, seed=1))
S("matmul_2d_1d", lambda T: T.matmul(X(T, 2, 3), X(T, 3, seed=1)))
S("matmul_1d_2d", lambda T: X(T, 3).matmul(X(T, 3, 2, seed=1)))
S("matmul_batch_bcast", lambda T: X(T, 5, 2, 3) @ X(T, 3, 4, seed=1))
S("matmul_batch_bcast2", lambda T: X(T, 2, 1, 2, 3) @ X(T, 4, 3, 2, seed=1))
S("matmul_shape_error", lambda T: X(T, 2, 3) @ X(T, 2, 3))
S("matmul_dtype_mismatch", lambda T: X(T, 2, 3) @ T.ones(3, 2))
S("mm", lambda T: T.mm(X(T, 2, 3), X(T, 3, 2, seed=1)))
S("mm_1d_raises", lambda T: T.mm(X(T, 3), X(T, 3, 2)))
S("bmm", lambda T: T.bmm(X(T, 4, 2, 3), X(T, 4, 3, 5, seed=1)))
S("bmm_no_bcast_raises", lambda T: T.bmm(X(T, 4, 2, 3), X(T, 1, 3, 5, seed=1)))
S("mv", lambda T: T.mv(X(T, 2, 3), X(T, 3, seed=1)))
S("dot", lambda T: T.dot(X(T, 3), X(T, 3, seed=1)))
S("dot_2d_raises", lambda T: T.dot(X(T, 3, 1), X(T, 3, 1)))
S("outer", lambda T: T.outer(X(T, 3), X(T, 2, seed=1)))
S("vdot_method", lambda T: X(T, 3).dot(X(T, 3, seed=1)))
S("einsum_ij_jk", lambda T: T.einsum("ij,jk->ik", X(T, 2, 3), X(T, 3, 4, seed=1)))
S("einsum_trace", lambda T: T.einsum("ii", X(T, 3, 3)))
S("einsum_batch", lambda T: T.einsum("bij,bjk->bik", X(T, 2, 2, 3), X(T, 2, 3, 2, seed=1)))
S("einsum_outer_list", lambda T: T.einsum("i,j->ij", [X(T, 2), X(T, 3, seed=1)]))
S("einsum_sum", lambda T: T.einsum("ij->j", X(T, 2, 3)))
S("linalg_norm", lambda T: T.linalg.norm(X(T, 3, 4)))
S("linalg_norm_dim", lambda T: T.linalg.norm(X(T, 3, 4), dim=1))
S("linalg_norm_ord1", lambda T: T.linalg.norm(X(T, 4), ord=1))
S("linalg_norm_matrix_ord", lambda T: T.linalg.norm(X(T, 3, 3), ord="fro"))
S("linalg_vector_norm", lambda T: T.linalg.vector_norm(X(T, 3, 4), ord=2, dim=(0, 1)))
S("linalg_inv", lambda T: T.linalg.inv(X(T, 3, 3) + 3 * T.eye(3, dtype=T.float64)))
S("linalg_det", lambda T: T.linalg.det(X(T, 3, 3)))
S("linalg_solve", lambda T: T.linalg.solve(X(T, 3, 3) + 3 * T.eye(3, dtype=T.float64),
                                            X(T, 3, seed=2)))
S("trace", lambda T: T.trace(X(T, 3, 3)))
S("kron_like_outer_flat", lambda T: T.outer(X(T, 2), X(T, 2)).flatten())


def _g(T, f, *shapes):
    xs = [T.tensor(rng(i + 10).standard_normal(s), requires_grad=True) for i, s in
          enumerate(shapes)]
    y = f(*xs)
    (y * y).sum().backward()
    return (y,) + tuple(x.grad for x in xs)


S("grad_matmul", lambda T: _g(T, lambda a, b: a @ b, (2, 3), (3, 4)))
S("grad_matmul_vec", lambda T: _g(T, lambda a, b: a @ b, (2, 3), (3,)))
S("grad_matmul_1d_1d", lambda T: _g(T, lambda a, b: a @ b, (3,), (3,)))
S("grad_matmul_bcast", lambda T: _g(T, lambda a, b: a @ b, (4, 2, 3), (3, 2)))
S("grad_bmm", lambda T: _g(T, T.bmm, (2, 2, 3), (2, 3, 2)))
S("grad_mv", lambda T: _g(T, T.mv, (2, 3), (3,)))
S("grad_dot", lambda T: _g(T, T.dot, (3,), (3,)))
S("grad_outer", lambda T: _g(T, T.outer, (3,), (2,)))
S("grad_einsum", lambda T: _g(T, lambda a, b: T.einsum("ij,jk->ik", a, b), (2, 3), (3, 2)))
S("grad_linalg_norm", lambda T: _g(T, lambda a: T.linalg.norm(a, dim=1), (3, 4)))
S("grad_inv", lambda T: _g(T, lambda a: T.linalg.inv(a + 4 * T.eye(3, dtype=T.float64)),
                           (3, 3)))
