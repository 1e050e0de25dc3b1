"""Autograd idioms."""
from harness import idiom, rng


def X(T, *shape, seed=0, rg=True):
    return T.tensor(rng(seed).standard_normal(shape), requires_grad=rg)


@idiom
def backward_scalar(T):
    x = X(T, 3)
    (x * x).sum().backward()
    return x.grad


@idiom
def backward_gradient_kw(T):
    x = X(T, 3)
    y = x * 2
    y.backward(gradient=T.tensor([1.0, 0.1, 0.01], dtype=T.float64))
    return x.grad


@idiom
def backward_gradient_positional(T):
    x = X(T, 3)
    (x ** 2).backward(T.ones(3, dtype=T.float64))
    return x.grad


@idiom
def backward_nonscalar_raises(T):
    x = X(T, 3)
    (x * 2).backward()
    return x.grad


@idiom
def backward_accumulates(T):
    x = X(T, 3)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    return x.grad


@idiom
def backward_twice_raises(T):
    x = X(T, 3)
    y = (x.exp()).sum()
    y.backward()
    y.backward()
    return x.grad


@idiom
def backward_retain_graph(T):
    x = X(T, 3)
    y = (x.exp()).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


@idiom
def grad_none_before_backward(T):
    return X(T, 3).grad


@idiom
def grad_zero_manual(T):
    x = X(T, 3)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    return x.grad


@idiom
def grad_set_none(T):
    x = X(T, 3)
    (x * 2).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    return x.grad


@idiom
def nonleaf_grad_none(T):
    x = X(T, 3)
    y = x * 2
    y.sum().backward()
    return y.grad, y.is_leaf, x.is_leaf


@idiom
def retain_grad(T):
    x = X(T, 3)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad, x.grad


@idiom
def requires_grad_flags(T):
    x = X(T, 3)
    c = T.ones(3, dtype=T.float64)
    return (x * c).requires_grad, (c * 2).requires_grad, x.detach().requires_grad


@idiom
def requires_grad_inplace(T):
    x = T.zeros(3).requires_grad_()
    return x.requires_grad, x.is_leaf


@idiom
def requires_grad_attr_set(T):
    x = T.zeros(3)
    x.requires_grad = True
    (x + 1).sum().backward()
    return x.grad


@idiom
def no_grad_block(T):
    x = X(T, 3)
    with T.no_grad():
        y = x * 2
    return y.requires_grad, y.grad_fn is None


@idiom
def no_grad_decorator(T):
    @T.no_grad()
    def f(x):
        return x * 2
    return f(X(T, 3)).requires_grad


@idiom
def enable_grad_inside_no_grad(T):
    x = X(T, 3)
    with T.no_grad():
        with T.enable_grad():
            y = x * 2
    return y.requires_grad


@idiom
def set_grad_enabled_false(T):
    x = X(T, 3)
    with T.set_grad_enabled(False):
        y = x * 2
    return y.requires_grad, T.is_grad_enabled()


@idiom
def inference_mode(T):
    x = X(T, 3)
    with T.inference_mode():
        y = x * 2
    return y.requires_grad


@idiom
def no_grad_sgd_update(T):
    w = X(T, 3)
    (w * w).sum().backward()
    w_id = id(w)
    with T.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    return w, w.grad, id(w) == w_id, w.requires_grad, w.is_leaf


@idiom
def no_grad_sub_(T):
    w = X(T, 3)
    (w * w).sum().backward()
    with T.no_grad():
        w.sub_(0.1 * w.grad)
    return w


@idiom
def data_update(T):
    w = X(T, 3)
    (w * w).sum().backward()
    w.data -= 0.1 * w.grad.data
    return w, w.requires_grad


@idiom
def data_is_tensor(T):
    w = X(T, 3)
    return isinstance(w.data, T.Tensor), w.data.requires_grad


@idiom
def inplace_leaf_raises(T):
    w = X(T, 3)
    w += 1
    return w


@idiom
def inplace_leaf_add__raises(T):
    w = X(T, 3)
    w.add_(1)
    return w


@idiom
def version_counter_exp(T):
    x = X(T, 3)
    y = x.exp()
    y.add_(1)
    y.sum().backward()
    return x.grad


@idiom
def version_counter_sigmoid(T):
    x = X(T, 3)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()
    return x.grad


@idiom
def version_counter_saved_input(T):
    x = X(T, 3)
    a = x * 1
    b = a * a
    a.add_(1)
    b.sum().backward()
    return x.grad


@idiom
def inplace_ok_when_not_needed(T):
    x = X(T, 3)
    a = x * 2
    b = a + 1
    a.mul_(3)
    (a.sum() + b.sum()).backward()
    return x.grad, a, b


@idiom
def inplace_relu_ok(T):
    x = X(T, 4)
    y = x * 2
    y.relu_()
    y.sum().backward()
    return x.grad


@idiom
def version_attr(T):
    x = T.zeros(3)
    v0 = x._version
    x.add_(1)
    x[0] = 2
    return x._version - v0


@idiom
def inplace_ops_values(T):
    x = T.ones(3)
    x.add_(2).mul_(3).sub_(1).div_(2)
    return x


@idiom
def fill_zero(T):
    x = T.ones(3)
    x.fill_(7)
    y = T.ones(2).zero_()
    return x, y


@idiom
def copy_(T):
    x = T.zeros(3)
    x.copy_(T.tensor([1, 2, 3]))
    return x


@idiom
def copy_broadcast(T):
    x = T.zeros(2, 3)
    x.copy_(T.tensor([1.0, 2.0, 3.0]))
    return x


@idiom
def clamp_(T):
    x = T.tensor([-2.0, 0.5, 3.0])
    x.clamp_(0, 1)
    return x


@idiom
def add_alpha_(T):
    x = T.ones(3)
    x.add_(T.ones(3), alpha=-0.5)
    return x


@idiom
def inplace_returns_self(T):
    x = T.ones(3)
    return x.add_(1) is x


@idiom
def inplace_broadcast_shape_raises(T):
    x = T.ones(3)
    x.add_(T.ones(2, 3))
    return x


@idiom
def inplace_int_float_raises(T):
    x = T.ones(3, dtype=T.int64)
    x.mul_(1.5)
    return x


@idiom
def autograd_grad(T):
    x = X(T, 3)
    y = (x ** 3).sum()
    (g,) = T.autograd.grad(y, x)
    return g, x.grad


@idiom
def autograd_grad_list(T):
    x = X(T, 3)
    w = X(T, 3, seed=1)
    gx, gw = T.autograd.grad((x * w).sum(), [x, w])
    return gx, gw


@idiom
def autograd_grad_outputs(T):
    x = X(T, 3)
    (g,) = T.autograd.grad(x * 2, x, grad_outputs=T.ones(3, dtype=T.float64) * 0.5)
    return g


@idiom
def autograd_grad_create_graph(T):
    x = X(T, 3)
    (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = T.autograd.grad(g.sum(), x)
    return g, h, g.requires_grad


@idiom
def autograd_grad_unused_raises(T):
    x = X(T, 3)
    z = X(T, 3, seed=1)
    return T.autograd.grad((x * 2).sum(), [x, z])


@idiom
def autograd_grad_allow_unused(T):
    x = X(T, 3)
    z = X(T, 3, seed=1)
    return T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)


@idiom
def autograd_grad_retain(T):
    x = X(T, 3)
    y = (x.exp()).sum()
    T.autograd.grad(y, x, retain_graph=True)
    return T.autograd.grad(y, x)


@idiom
def double_backward(T):
    x = T.tensor(2.0, dtype=T.float64, requires_grad=True)
    y = x ** 3
    (g,) = T.autograd.grad(y, x, create_graph=True)
    g.backward()
    return g, x.grad


@idiom
def grad_fn_name(T):
    x = X(T, 3)
    return (x * 2).grad_fn.name(), x.grad_fn, (x.exp()).grad_fn.name()


@idiom
def grad_fn_sum(T):
    return X(T, 3).sum().grad_fn.name()


@idiom
def grad_fn_next_functions(T):
    x = X(T, 3)
    y = x * 2
    return len(y.grad_fn.next_functions)


@idiom
def detach_shares(T):
    x = X(T, 3)
    d = x.detach()
    with T.no_grad():
        d[0] = 100.0
    return x, d.requires_grad


@idiom
def detach_cuts(T):
    x = X(T, 3)
    y = (x * x.detach()).sum()
    y.backward()
    return x.grad


@idiom
def backward_inputs_kw(T):
    x = X(T, 3)
    w = X(T, 3, seed=1)
    (x * w).sum().backward(inputs=[x])
    return x.grad, w.grad


@idiom
def autograd_backward_fn(T):
    x = X(T, 3)
    T.autograd.backward([(x * 2).sum()])
    return x.grad


@idiom
def function_custom(T):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = X(T, 3)
    y = Cube.apply(x)
    y.sum().backward()
    return y, x.grad


@idiom
def function_two_inputs_needs_grad(T):
    class Mul(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.flags = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    a = X(T, 3)
    b = X(T, 3, seed=1, rg=False)
    y = Mul.apply(a, b)
    y.sum().backward()
    return y, a.grad, b.grad, y.grad_fn.name() if hasattr(y.grad_fn, "name") else None


@idiom
def function_nontensor_arg(T):
    class Scale(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = X(T, 3)
    y = Scale.apply(x, 2.5)
    (y * y).sum().backward()
    return y, x.grad


@idiom
def function_gradcheck(T):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    return T.autograd.gradcheck(Square.apply, (X(T, 3),))


@idiom
def gradcheck_builtin(T):
    return T.autograd.gradcheck(lambda x: (x.sin() * x).sum(), (X(T, 3),))


@idiom
def grad_of_int_op_none(T):
    x = X(T, 3)
    y = (x > 0).float() * x
    y.sum().backward()
    return x.grad


@idiom
def hook_on_tensor(T):
    x = X(T, 3)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.sum().backward()
    return seen


@idiom
def hook_modifies_grad(T):
    x = X(T, 3)
    x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    return x.grad


@idiom
def item_in_loss_loop(T):
    x = X(T, 3)
    loss = (x * x).mean()
    loss.backward()
    return loss.item(), type(loss.item()).__name__


@idiom
def grad_through_max_min(T):
    x = X(T, 4)
    y = T.max(x) - T.min(x)
    y.backward()
    return x.grad


@idiom
def is_leaf_after_ops(T):
    x = T.ones(2, requires_grad=True)
    y = x.clone()
    return x.is_leaf, y.is_leaf, T.ones(2).is_leaf, (T.ones(2) * 2).is_leaf


@idiom
def grad_dtype_matches(T):
    x = T.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    return x.grad.dtype


@idiom
def backward_through_view_setitem(T):
    x = X(T, 2, 3)
    y = x.clone()
    y[:, 0] = 0
    (y * y).sum().backward()
    return x.grad
