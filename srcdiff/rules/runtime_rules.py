"""Rules of the runtime helpers, so that generated code is differentiable.

``grad(grad(f))`` differentiates code that calls ``rt.unbroadcast``,
``rt.scatter``, ``rt.matmul_dx`` ...  Nearly every helper is linear in its
first argument (an adjoint), so its adjoint is the transposed helper and its
tangent is the helper itself applied to the tangent; the transposed helpers
get rules too, which closes the set (``scatter`` <-> ``gather``, ``pack`` <->
``unpack_parts``, ``unstack`` <-> ``unstack_adjoint`` ...).  Arguments that
only give a shape, a mask or a structure are ``passive``: they carry no
derivative.  Helpers computing masks or seeds are ``nondiff``.

``containers`` names operands whose adjoint may be a list, tuple or dict, so
that reverse mode adds their adjoints with ``rt.add`` instead of ``+``.
"""

from .. import runtime as rt
from .registry import adjoint, nondiff, tangent

nondiff(rt.check_scalar, type, rt.zeros_like, rt.extreme_weight, rt.extreme_weights,
        rt.inverse_axes, rt.clip_mask)

# --- broadcasting and reductions ----------------------------------------------------------


@adjoint(rt.unbroadcast, passive=("x", "result"))
def unbroadcast(r, g, x, result=None):
    d[g] = rt.unbroadcast(d[r], g, result)


@tangent(rt.unbroadcast)
def unbroadcast_t(r, g, x, result=None):
    d[r] = rt.unbroadcast(d[g], x, result)


@adjoint(rt.like, passive=("y",), containers=("g",))
def like(r, g, y):
    d[g] = rt.unadd(d[r], g)


@tangent(rt.like)
def like_t(r, g, y):
    d[r] = rt.like(d[g], y)


@adjoint(rt.owned, passive=("y",), containers=("g",))
def owned(r, g, y):
    d[g] = rt.unadd(d[r], g)


@tangent(rt.owned)
def owned_t(r, g, y):
    d[r] = rt.owned(d[g], y)


@adjoint(rt.unadd, passive=("a",), containers=("h",))
def unadd(r, h, a):
    d[h] = rt.like(d[r], h)


@tangent(rt.unadd)
def unadd_t(r, h, a):
    d[r] = rt.unadd(d[h], a)


@adjoint(rt.unreduce, passive=("x",))
def unreduce(r, g, x, axis=None, keepdims=False):
    d[g] = rt.unbroadcast(np.sum(d[r], axis=axis, keepdims=keepdims), g)


@tangent(rt.unreduce)
def unreduce_t(r, g, x, axis=None, keepdims=False):
    d[r] = rt.unreduce(d[g], x, axis, keepdims)


@adjoint(rt.unreduce_mean, passive=("x",))
def unreduce_mean(r, g, x, axis=None, keepdims=False):
    d[g] = rt.unbroadcast(np.mean(d[r], axis=axis, keepdims=keepdims), g)


@tangent(rt.unreduce_mean)
def unreduce_mean_t(r, g, x, axis=None, keepdims=False):
    d[r] = rt.unreduce_mean(d[g], x, axis, keepdims)


@adjoint(rt.unreduce_extreme, passive=("y", "x"))
def unreduce_extreme(r, g, y, x, axis=None, keepdims=False):
    w = rt.unreduce_extreme(1.0, y, x, axis, keepdims)
    d[g] = rt.unbroadcast(np.sum(d[r] * w, axis=axis, keepdims=keepdims), g)


@tangent(rt.unreduce_extreme)
def unreduce_extreme_t(r, g, y, x, axis=None, keepdims=False):
    d[r] = rt.unreduce_extreme(d[g], y, x, axis, keepdims)


@adjoint(rt.fresh, shape="elementwise", containers=("seed",))
def fresh(r, seed):
    d[seed] = d[r]


@tangent(rt.fresh)
def fresh_t(r, seed):
    d[r] = rt.fresh(d[seed])


@adjoint(rt.cast_grad, passive=("x",), containers=("g",))
def cast_grad(r, g, x):
    d[g] = rt.uncast(d[r], g)


@tangent(rt.cast_grad)
def cast_grad_t(r, g, x):
    d[r] = rt.cast_grad(d[g], x)


@adjoint(rt.uncast, passive=("g",), containers=("h",))
def uncast(r, h, g):
    d[h] = rt.cast_grad(d[r], h)


@tangent(rt.uncast)
def uncast_t(r, h, g):
    d[r] = rt.uncast(d[h], g)


# --- products ---------------------------------------------------------------------------------


@adjoint(rt.matmul_dx, passive=("x",))
def matmul_dx(r, g, x, y, name="matmul"):
    d[g] = rt.unbroadcast(rt.matprod(d[r], y), g)
    d[y] = rt.matmul_dy(g, d[r], y, name)


@tangent(rt.matmul_dx)
def matmul_dx_t(r, g, x, y, name="matmul"):
    d[r] = rt.matmul_dx(d[g], x, y, name)
    d[r] = rt.matmul_dx(g, x, d[y], name)


@adjoint(rt.matmul_dy, passive=("y",))
def matmul_dy(r, g, x, y, name="matmul"):
    d[g] = rt.unbroadcast(rt.matprod(x, d[r]), g)
    d[x] = rt.matmul_dx(g, x, d[r], name)


@tangent(rt.matmul_dy)
def matmul_dy_t(r, g, x, y, name="matmul"):
    d[r] = rt.matmul_dy(d[g], x, y, name)
    d[r] = rt.matmul_dy(g, d[x], y, name)


@adjoint(rt.matprod)
def matprod(r, a, b):
    d[a] = rt.matmul_dx(d[r], a, b)
    d[b] = rt.matmul_dy(d[r], a, b)


@tangent(rt.matprod)
def matprod_t(r, a, b):
    d[r] = rt.matprod(d[a], b)
    d[r] = rt.matprod(a, d[b])


# --- elements of arrays and containers -----------------------------------------------------


@adjoint(rt.part, containers=("adjoint",))
def part(r, adjoint, key):
    d[adjoint] = rt.unpart(d[r], adjoint, key)


@tangent(rt.part)
def part_t(r, adjoint, key):
    d[r] = rt.part(d[adjoint], key)


@adjoint(rt.unpart, passive=("adjoint",), containers=("h",))
def unpart(r, h, adjoint, key):
    d[h] = rt.part(d[r], key)


@tangent(rt.unpart)
def unpart_t(r, h, adjoint, key):
    d[r] = rt.unpart(d[h], adjoint, key)


@adjoint(rt.scatter, passive=("x",), containers=("g",))
def scatter(r, x, index, g):
    d[g] = rt.gather(d[r], index, g)


@tangent(rt.scatter)
def scatter_t(r, x, index, g):
    d[r] = rt.scatter(x, index, d[g])


@adjoint(rt.gather, passive=("g",), containers=("h",))
def gather(r, h, index, g):
    d[h] = rt.scatter(h, index, d[r])


@tangent(rt.gather)
def gather_t(r, h, index, g):
    d[r] = rt.gather(d[h], index, g)


# scatter_add updates its first argument in place; code that is differentiated
# again calls scatter_add_pure instead (normalize rewrites the call)
@adjoint(rt.scatter_add, rt.scatter_add_pure, passive=("x",), containers=("x_bar", "g"))
def scatter_add(r, x_bar, index, g, x=None):
    d[x_bar] = rt.unadd(d[r], x_bar)
    d[g] = rt.gather(d[r], index, g)


@tangent(rt.scatter_add, rt.scatter_add_pure)
def scatter_add_t(r, x_bar, index, g, x=None):
    d[r] = rt.scatter_add_tangent(d[x_bar], index, d[g], x, x_bar)


@adjoint(rt.scatter_add_tangent, passive=("x", "x_bar"), containers=("dx_bar", "dg"))
def scatter_add_tangent(r, dx_bar, index, dg, x, x_bar):
    d[dx_bar] = rt.unadd(d[r], dx_bar)
    d[dg] = rt.gather(d[r], index, dg)


@tangent(rt.scatter_add_tangent)
def scatter_add_tangent_t(r, dx_bar, index, dg, x, x_bar):
    d[r] = rt.scatter_add_tangent(d[dx_bar], index, d[dg], x, x_bar)


# unwrite also updates in place; normalize rewrites it to unwrite_tangent (a copy)
@adjoint(rt.unwrite, rt.unwrite_tangent, passive=("y",), containers=("y_bar",))
def unwrite(r, y_bar, index, y, want=True):
    d[y_bar] = rt.unwrite_adjoint(d[r], y_bar, index, y, want)


@tangent(rt.unwrite, rt.unwrite_tangent)
def unwrite_t(r, y_bar, index, y, want=True):
    d[r] = rt.unwrite_tangent(d[y_bar], index, y, want)


@adjoint(rt.unwrite_adjoint, passive=("y_bar", "y"), containers=("h",))
def unwrite_adjoint(r, h, y_bar, index, y, want=True):
    d[h] = rt.unwrite_tangent(d[r], index, y, want)


@tangent(rt.unwrite_adjoint)
def unwrite_adjoint_t(r, h, y_bar, index, y, want=True):
    d[r] = rt.unwrite_adjoint(d[h], y_bar, index, y, want)


@adjoint(rt.add, containers=("a", "b"))
def add(r, a, b):
    d[a] = rt.unadd(d[r], a)
    d[b] = rt.unadd(d[r], b)


@tangent(rt.add)
def add_t(r, a, b):
    d[r] = rt.add(d[a], d[b])


@adjoint(rt.pack, passive=("x",), containers=("parts",))
def pack(r, x, parts):
    d[parts] = rt.unpack_parts(d[r], x, parts)


@tangent(rt.pack)
def pack_t(r, x, parts):
    d[r] = rt.pack(x, d[parts])


@adjoint(rt.unpack_parts, passive=("x", "parts"), containers=("h",))
def unpack_parts(r, h, x, parts):
    d[h] = rt.pack(x, d[r])


@tangent(rt.unpack_parts)
def unpack_parts_t(r, h, x, parts):
    d[r] = rt.unpack_parts(d[h], x, parts)


# --- lists --------------------------------------------------------------------------------------


@adjoint(rt.unappend, containers=("lst_bar",))
def unappend(r, lst_bar):
    d[lst_bar] = rt.unappend_adjoint(d[r], lst_bar)


@tangent(rt.unappend)
def unappend_t(r, lst_bar):
    d[r] = rt.unappend(d[lst_bar])


@adjoint(rt.unappend_adjoint, passive=("lst_bar",), containers=("h",))
def unappend_adjoint(r, h, lst_bar):
    d[h] = rt.unappend(d[r])


@tangent(rt.unappend_adjoint)
def unappend_adjoint_t(r, h, lst_bar):
    d[r] = rt.unappend_adjoint(d[h], lst_bar)


@adjoint(rt.unextend, passive=("values",), containers=("lst_bar",))
def unextend(r, lst_bar, values):
    d[lst_bar] = rt.unextend_adjoint(d[r], lst_bar, values)


@tangent(rt.unextend)
def unextend_t(r, lst_bar, values):
    d[r] = rt.unextend(d[lst_bar], values)


@adjoint(rt.unextend_adjoint, passive=("lst_bar", "values"), containers=("h",))
def unextend_adjoint(r, h, lst_bar, values):
    d[h] = rt.unextend(d[r], values)


@tangent(rt.unextend_adjoint)
def unextend_adjoint_t(r, h, lst_bar, values):
    d[r] = rt.unextend_adjoint(d[h], lst_bar, values)


@adjoint(rt.unpop, passive=("lst",), containers=("lst_bar", "v_bar"))
def unpop(r, lst_bar, v_bar, lst):
    t = rt.unappend(d[r])
    d[v_bar] = t[0]
    d[lst_bar] = t[1]


@tangent(rt.unpop)
def unpop_t(r, lst_bar, v_bar, lst):
    d[r] = rt.unpop(d[lst_bar], d[v_bar], lst)


@adjoint(rt.unstack, passive=("xs",))
def unstack(r, g, xs, axis=0):
    d[g] = rt.unstack_adjoint(d[r], g, xs, axis)


@tangent(rt.unstack)
def unstack_t(r, g, xs, axis=0):
    d[r] = rt.unstack(d[g], xs, axis)


@adjoint(rt.unstack_adjoint, passive=("g", "xs"), containers=("h",))
def unstack_adjoint(r, h, g, xs, axis=0):
    d[h] = rt.unstack(d[r], xs, axis)


@tangent(rt.unstack_adjoint)
def unstack_adjoint_t(r, h, g, xs, axis=0):
    d[r] = rt.unstack_adjoint(d[h], g, xs, axis)


@adjoint(rt.unconcatenate, passive=("xs",))
def unconcatenate(r, g, xs, axis=0):
    d[g] = rt.unconcatenate_adjoint(d[r], g, xs, axis)


@tangent(rt.unconcatenate)
def unconcatenate_t(r, g, xs, axis=0):
    d[r] = rt.unconcatenate(d[g], xs, axis)


@adjoint(rt.unconcatenate_adjoint, passive=("g", "xs"), containers=("h",))
def unconcatenate_adjoint(r, h, g, xs, axis=0):
    d[h] = rt.unconcatenate(d[r], xs, axis)


@tangent(rt.unconcatenate_adjoint)
def unconcatenate_adjoint_t(r, h, g, xs, axis=0):
    d[r] = rt.unconcatenate_adjoint(d[h], g, xs, axis)


@adjoint(rt.sum_adjoint, passive=("xs",))
def sum_adjoint(r, g, xs):
    d[g] = rt.unsum_adjoint(d[r], g, xs)


@tangent(rt.sum_adjoint)
def sum_adjoint_t(r, g, xs):
    d[r] = rt.sum_adjoint(d[g], xs)


@adjoint(rt.unsum_adjoint, passive=("g", "xs"), containers=("h",))
def unsum_adjoint(r, h, g, xs):
    d[h] = rt.sum_adjoint(d[r], xs)


@tangent(rt.unsum_adjoint)
def unsum_adjoint_t(r, h, g, xs):
    d[r] = rt.unsum_adjoint(d[h], g, xs)


@adjoint(rt.tangent_sum, containers=("xs",))
def tangent_sum(r, xs):
    d[xs] = rt.sum_adjoint(d[r], xs)


@tangent(rt.tangent_sum)
def tangent_sum_t(r, xs):
    d[r] = rt.tangent_sum(d[xs])


@adjoint(rt.unarray, passive=("obj",))
def unarray(r, g, obj):
    d[g] = rt.rearray(d[r], g, obj)


@tangent(rt.unarray)
def unarray_t(r, g, obj):
    d[r] = rt.unarray(d[g], obj)


@adjoint(rt.rearray, passive=("g", "obj"), containers=("h",))
def rearray(r, h, g, obj):
    d[h] = rt.unarray(d[r], obj)


@tangent(rt.rearray)
def rearray_t(r, h, g, obj):
    d[r] = rt.rearray(d[h], g, obj)
