"""The runtime helpers of generated code as primitives, so that generated code
is differentiable again (``grad(grad(f))``, ``hessian``).

Nearly every helper is linear in its adjoint argument, so its tangent is the
helper applied to the tangent (declared ``linear``) and its adjoint is the
transposed helper; the transposed helpers are declared too, which closes the
set (``scatter`` <-> ``gather``, ``pack`` <-> ``unpack_parts``, ``unstack`` <->
``unstack_adjoint`` ...).  Arguments that only give a shape, a mask or a
structure are ``passive``.  Helpers computing masks or seeds are ``nondiff``.
"""

import numpy as np

from .. import runtime as rt
from ..primitives import FRESH, adjoint, batched, known, nondiff, tangent
from ..template import d

nondiff(rt.zeros_like, rt.extreme_weight, rt.extreme_weights, rt.inverse_axes, rt.clip_mask,
        rt.keys, result=FRESH)
nondiff(rt.check_scalar, result=FRESH, pure=False)
nondiff(rt.stop_gradient, view="x")
known(rt.unextend_list, writes=("lst",), result=FRESH)
known(rt.restore_entry, writes=("container",), result=FRESH, pure=False)

# --- broadcasting and reductions ----------------------------------------------------------


@adjoint(rt.unbroadcast, passive=("x", "result"), linear=True, view="g", shaped_like="x",
         shape_dependent=True)
def unbroadcast(r, g, x, result=None):
    d[g] = rt.unbroadcast(d[r], g, result)


@adjoint(rt.like, passive=("y",), containers=("g",), linear=True, view="g", shaped_like="y",
         shape_dependent=True)
def like(r, g, y):
    d[g] = rt.unadd(d[r], g)


@adjoint(rt.owned, passive=("y",), containers=("g",), linear=True, result=FRESH)
def owned(r, g, y):
    d[g] = rt.unadd(d[r], g)


@adjoint(rt.unadd, passive=("a",), containers=("h",), linear=True, view="h")
def unadd(r, h, a):
    d[h] = rt.like(d[r], h)


@adjoint(rt.unreduce, passive=("x",), linear=True, result=FRESH, shaped_like="x")
def unreduce(r, g, x, axis=None, keepdims=False):
    d[g] = rt.unbroadcast(np.sum(d[r], axis=axis, keepdims=keepdims), g)


@adjoint(rt.unreduce_mean, passive=("x",), linear=True, result=FRESH, shaped_like="x")
def unreduce_mean(r, g, x, axis=None, keepdims=False):
    d[g] = rt.unbroadcast(np.mean(d[r], axis=axis, keepdims=keepdims), g)


@adjoint(rt.unreduce_extreme, passive=("y", "x"), linear=True, result=FRESH)
def unreduce_extreme(r, g, y, x, axis=None, keepdims=False):
    w = rt.unreduce_extreme(1.0, y, x, axis, keepdims)
    d[g] = rt.unbroadcast(np.sum(d[r] * w, axis=axis, keepdims=keepdims), g)


@adjoint(rt.fresh, shape="elementwise", containers=("seed",), linear=True, result=FRESH)
def fresh(r, seed):
    d[seed] = d[r]


@adjoint(rt.cast_grad, passive=("x",), containers=("g",), linear=True, view="g")
def cast_grad(r, g, x):
    d[g] = rt.uncast(d[r], g)


@adjoint(rt.as_gradient, passive=("shape",), linear=True, view="g")
def as_gradient(r, g, shape):
    d[g] = rt.unbroadcast(d[r], g)


@adjoint(rt.uncast, passive=("g",), containers=("h",), linear=True, view="h")
def uncast(r, h, g):
    d[h] = rt.cast_grad(d[r], h)


# --- products ---------------------------------------------------------------------------------


@adjoint(rt.matmul_dx, passive=("x",), linear=True, view="g", shaped_like="x",
         shape_dependent=True)
def matmul_dx(r, g, x, y, name="matmul"):
    d[g] = rt.unbroadcast(rt.matprod(d[r], y), g)
    d[y] = rt.matmul_dy(g, d[r], y, name)


@adjoint(rt.matmul_dy, passive=("y",), linear=True, view="g", shaped_like="y",
         shape_dependent=True)
def matmul_dy(r, g, x, y, name="matmul"):
    d[g] = rt.unbroadcast(rt.matprod(x, d[r]), g)
    d[x] = rt.matmul_dx(g, x, d[r], name)


@adjoint(rt.matprod, linear=True, result=FRESH)
def matprod(r, a, b):
    d[a] = rt.matmul_dx(d[r], a, b)
    d[b] = rt.matmul_dy(d[r], a, b)


# --- elements of arrays and containers -----------------------------------------------------


@adjoint(rt.part, containers=("adjoint",), linear=True, view="adjoint")
def part(r, adjoint, key):
    d[adjoint] = rt.unpart(d[r], adjoint, key)


@adjoint(rt.unpart, passive=("adjoint",), containers=("h",), linear=True, view="h")
def unpart(r, h, adjoint, key):
    d[h] = rt.part(d[r], key)


@adjoint(rt.scatter, passive=("x",), containers=("g",), linear=True, result=FRESH,
         shaped_like="x", container_result=True)
def scatter(r, x, index, g):
    d[g] = rt.gather(d[r], index, g)


@adjoint(rt.gather, passive=("g",), containers=("h",), linear=True, view="h")
def gather(r, h, index, g):
    d[h] = rt.scatter(h, index, d[r])


# scatter_add updates its first argument in place; code that is differentiated
# again calls scatter_add_pure instead (normalize rewrites the call)
@adjoint(rt.scatter_add, passive=("x",), containers=("x_bar", "g"), view="x_bar",
         writes=("x_bar",), replaced_by=rt.scatter_add_pure)
@adjoint(rt.scatter_add_pure, passive=("x",), containers=("x_bar", "g"), view="x_bar")
def scatter_add(r, x_bar, index, g, x=None):
    d[x_bar] = rt.unadd(d[r], x_bar)
    d[g] = rt.gather(d[r], index, g)


@tangent(rt.scatter_add, rt.scatter_add_pure)
def scatter_add_tangent(r, x_bar, index, g, x=None):
    d[r] = rt.scatter_add_tangent(d[x_bar], index, d[g], x, x_bar)


@adjoint(rt.scatter_add_tangent, passive=("x", "x_bar"), containers=("dx_bar", "dg"),
         view="dx_bar")
def scatter_add_tangent_(r, dx_bar, index, dg, x, x_bar):
    d[dx_bar] = rt.unadd(d[r], dx_bar)
    d[dg] = rt.gather(d[r], index, dg)


@tangent(rt.scatter_add_tangent)
def scatter_add_tangent_tangent(r, dx_bar, index, dg, x, x_bar):
    d[r] = rt.scatter_add_tangent(d[dx_bar], index, d[dg], x, x_bar)


# unwrite also updates in place; normalize rewrites it to unwrite_tangent (a copy)
@adjoint(rt.unwrite, passive=("y",), containers=("y_bar",), view="y_bar", writes=("y_bar",),
         replaced_by=rt.unwrite_tangent)
@adjoint(rt.unwrite_tangent, passive=("y",), containers=("y_bar",), view="y_bar")
def unwrite(r, y_bar, index, y, want=True):
    d[y_bar] = rt.unwrite_adjoint(d[r], y_bar, index, y, want)


@tangent(rt.unwrite, rt.unwrite_tangent)
def unwrite_tangent(r, y_bar, index, y, want=True):
    d[r] = rt.unwrite_tangent(d[y_bar], index, y, want)


@adjoint(rt.unwrite_adjoint, passive=("y_bar", "y"), containers=("h",), linear=True,
         view="h")
def unwrite_adjoint(r, h, y_bar, index, y, want=True):
    d[h] = rt.unwrite_tangent(d[r], index, y, want)


@adjoint(rt.add, containers=("a", "b"), view=("a", "b"))
def add(r, a, b):
    d[a] = rt.unadd(d[r], a)
    d[b] = rt.unadd(d[r], b)


@tangent(rt.add)
def add_tangent(r, a, b):
    d[r] = rt.add(d[a], d[b])


@adjoint(rt.pack, passive=("x",), containers=("parts",), linear=True, result=FRESH,
         container_result=True)
def pack(r, x, parts):
    d[parts] = rt.unpack_parts(d[r], x, parts)


@adjoint(rt.unpack_parts, passive=("x", "parts"), containers=("h",), linear=True, view="h")
def unpack_parts(r, h, x, parts):
    d[h] = rt.pack(x, d[r])


# --- lists --------------------------------------------------------------------------------------


@adjoint(rt.unappend, containers=("lst_bar",), linear=True, view="lst_bar")
def unappend(r, lst_bar):
    d[lst_bar] = rt.unappend_adjoint(d[r], lst_bar)


@adjoint(rt.unappend_adjoint, passive=("lst_bar",), containers=("h",), linear=True, view="h")
def unappend_adjoint(r, h, lst_bar):
    d[h] = rt.unappend(d[r])


@adjoint(rt.unextend, passive=("values",), containers=("lst_bar",), linear=True,
         view="lst_bar")
def unextend(r, lst_bar, values):
    d[lst_bar] = rt.unextend_adjoint(d[r], lst_bar, values)


@adjoint(rt.unextend_adjoint, passive=("lst_bar", "values"), containers=("h",), linear=True,
         view="h")
def unextend_adjoint(r, h, lst_bar, values):
    d[h] = rt.unextend(d[r], values)


@adjoint(rt.unpop, passive=("lst",), containers=("lst_bar", "v_bar"), result=FRESH)
def unpop(r, lst_bar, v_bar, lst):
    t = rt.unappend(d[r])
    d[v_bar] = t[0]
    d[lst_bar] = t[1]


@tangent(rt.unpop)
def unpop_tangent(r, lst_bar, v_bar, lst):
    d[r] = rt.unpop(d[lst_bar], d[v_bar], lst)


@adjoint(rt.unstack, passive=("xs",), linear=True, result=FRESH, container_result=True)
def unstack(r, g, xs, axis=0):
    d[g] = rt.unstack_adjoint(d[r], g, xs, axis)


@adjoint(rt.unstack_adjoint, passive=("g", "xs"), containers=("h",), linear=True, view="h")
def unstack_adjoint(r, h, g, xs, axis=0):
    d[h] = rt.unstack(d[r], xs, axis)


@adjoint(rt.unconcatenate, passive=("xs",), linear=True, view="g", container_result=True)
def unconcatenate(r, g, xs, axis=0):
    d[g] = rt.unconcatenate_adjoint(d[r], g, xs, axis)


@adjoint(rt.unconcatenate_adjoint, passive=("g", "xs"), containers=("h",), linear=True,
         view="h")
def unconcatenate_adjoint(r, h, g, xs, axis=0):
    d[h] = rt.unconcatenate(d[r], xs, axis)


@adjoint(rt.sum_adjoint, passive=("xs",), linear=True, view="g", container_result=True)
def sum_adjoint(r, g, xs):
    d[g] = rt.unsum_adjoint(d[r], g, xs)


@adjoint(rt.unsum_adjoint, passive=("g", "xs"), containers=("h",), linear=True, view="h")
def unsum_adjoint(r, h, g, xs):
    d[h] = rt.sum_adjoint(d[r], xs)


@adjoint(rt.tangent_sum, containers=("xs",), linear=True, view="xs")
def tangent_sum(r, xs):
    d[xs] = rt.sum_adjoint(d[r], xs)


@adjoint(rt.unarray, passive=("obj",), linear=True, view="g", container_result=True)
def unarray(r, g, obj):
    d[g] = rt.rearray(d[r], g, obj)


@adjoint(rt.rearray, passive=("g", "obj"), containers=("h",), linear=True, view="h")
def rearray(r, h, g, obj):
    d[h] = rt.unarray(d[r], obj)


# --- products, np.linalg, np.fft (runtime_linalg.py) -----------------------------------------

nondiff(rt.dot_axes, rt.inner_axes, rt.diagonal_mask, rt.strict_triangle, rt.solve_columns,
        rt.column_shape, rt.triangle, rt.norm_weight, result=FRESH)
nondiff(rt.check, rt.require_real, rt.require_real_eig, rt.require_reduced, result=FRESH,
        pure=False)


def _swapped(shapes, constants):
    x = shapes[0]
    return x[:-2] + (x[-1], x[-2]) if isinstance(x, tuple) and len(x) >= 2 \
        and all(type(n) is int for n in x) else None


@adjoint(rt.mT, linear=True, view="x", shape=_swapped)
def mT(r, x):
    d[x] = rt.mT(d[r])


@adjoint(rt.tensordot_da, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def tensordot_da(r, g, a, b, axes=2):
    d[g] = np.tensordot(d[r], b, axes)
    d[b] = rt.tensordot_db(g, d[r], b, axes)


@adjoint(rt.tensordot_db, passive=("b",), linear=True, result=FRESH, shaped_like="b")
def tensordot_db(r, g, a, b, axes=2):
    d[g] = np.tensordot(a, d[r], axes)
    d[a] = rt.tensordot_da(g, a, d[r], axes)


@adjoint(rt.kron_da, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def kron_da(r, g, a, b):
    d[g] = np.kron(d[r], b)
    d[b] = rt.kron_db(g, d[r], b)


@adjoint(rt.kron_db, passive=("b",), linear=True, result=FRESH, shaped_like="b")
def kron_db(r, g, a, b):
    d[g] = np.kron(a, d[r])
    d[a] = rt.kron_da(g, a, d[r])


# (scipy.integrate.odeint: the derivative integrates an ODE built from func's own
# derivative; differentiating that again is not done)
known(rt.odeint_adjoint, rt.odeint_tangent, result=FRESH,
      why="the second derivative of scipy.integrate.odeint is not supported")


# banded storage (scipy.linalg.solve_banded): the transpose of the transpose is the
# matrix itself; a @ x and the band of g @ x.T are each other's adjoints


@adjoint(rt.banded_transpose, passive=("l_and_u",), linear=True, result=FRESH,
         float_valued=True, shaped_like="ab")
def banded_transpose(r, l_and_u, ab):
    d[ab] = rt.banded_transpose(l_and_u[::-1], d[r])


@adjoint(rt.banded_matmul, passive=("l_and_u",), linear=True, result=FRESH, float_valued=True,
         shaped_like="x")
def banded_matmul(r, l_and_u, ab, x):
    d[ab] = rt.banded_outer(l_and_u, d[r], x)
    d[x] = rt.banded_matmul(l_and_u[::-1], rt.banded_transpose(l_and_u, ab), d[r])


@adjoint(rt.banded_outer, passive=("l_and_u",), linear=True, result=FRESH, float_valued=True)
def banded_outer(r, l_and_u, g, x):
    d[g] = rt.banded_matmul(l_and_u, d[r], x)
    d[x] = rt.banded_matmul(l_and_u[::-1], rt.banded_transpose(l_and_u, d[r]), g)


@adjoint(rt.irfftn, linear=True, result=FRESH, float_valued=True)
def irfftn(r, a, s=None, axes=None, norm=None):
    d[a] = rt.irfftn_adjoint(d[r], a, s, axes, norm)


@adjoint(rt.irfftn_adjoint, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def irfftn_adjoint(r, g, a, s=None, axes=None, norm=None):
    d[g] = rt.irfftn(d[r], s, axes, norm)

# --- fields of parameter structures (namedtuples, dataclasses, objects) --------------------


# ``x.name`` where ``name`` is not an attribute of arrays with a rule of its own
# (``.T``): a field of a parameter structure
@adjoint("attribute", containers=("x",), linear=True, view="x")
def attribute(y, x, name):
    d[x] = rt.unfield(d[y], x, name)


@adjoint(rt.field, containers=("x",), linear=True, view="x")
def field(r, x, name):
    d[x] = rt.unfield(d[r], x, name)


@adjoint(rt.unfield, passive=("x",), containers=("g",), linear=True, result=FRESH,
         container_result=True)
def unfield(r, g, x, name):
    d[g] = rt.field(d[r], name)


@adjoint(rt.sequence, containers=("it",), linear=True, view="it")
def sequence(r, it):
    d[it] = rt.unsequence(d[r], it)


@adjoint(rt.unsequence, passive=("it",), containers=("g",), linear=True, view="g")
def unsequence(r, g, it):
    d[g] = rt.unsequence(d[r], it)


# --- dict comprehensions ----------------------------------------------------------------------


@adjoint(rt.dict_from, passive=("keys",), containers=("values",), linear=True,
         container_result=True, view="values")
def dict_from(r, keys, values):
    d[values] = rt.dict_parts(d[r], keys)


@adjoint(rt.dict_parts, passive=("keys",), containers=("g",), linear=True, result=FRESH,
         container_result=True)
def dict_parts(r, g, keys):
    d[g] = rt.dict_from(keys, d[r])

# --- NumPy's shape and indexing functions (runtime_numpy.py) -------------------------------
# (each helper is the transpose of a NumPy function, which is mostly its adjoint)

nondiff(rt.selected, rt.rollaxis_inverse, rt.is_float, rt.axis_end, result=FRESH)


# scan: t[j] = g[j] + a[j] t[j-1]; revscan: s[i] = g[i] + a[i+1] s[i+1] (its transpose
# in g).  Shifted by one along the axis (np.roll, the end zeroed), each one's
# derivatives are the other or itself again, so every order is exact.
@adjoint(rt.scan, result=FRESH, shaped_like="a")
def scan(t, g, a, axis=None):
    d[g] = rt.revscan(d[t], a, axis)
    d[a] = np.where(rt.axis_end(t, axis, 0), 0.0, np.roll(t, 1, axis)) \
        * rt.revscan(d[t], a, axis)


@tangent(rt.scan)
def scan_tangent(t, g, a, axis=None):
    d[t] = rt.scan(d[g], a, axis)
    d[t] = rt.scan(d[a] * np.where(rt.axis_end(t, axis, 0), 0.0, np.roll(t, 1, axis)), a, axis)


@adjoint(rt.revscan, result=FRESH, shaped_like="a")
def revscan(s, g, a, axis=None):
    d[g] = rt.scan(d[s], a, axis)
    d[a] = s * np.where(rt.axis_end(s, axis, 0), 0.0, np.roll(rt.scan(d[s], a, axis), 1, axis))


@tangent(rt.revscan)
def revscan_tangent(s, g, a, axis=None):
    d[s] = rt.revscan(d[g], a, axis)
    d[s] = rt.revscan(np.where(rt.axis_end(s, axis, -1), 0.0, np.roll(d[a] * s, -1, axis)), a,
                      axis)


@adjoint(rt.unjoin, passive=("xs",), linear=True, view="g", container_result=True)
def unjoin(r, g, xs, kind):
    d[g] = rt.join(d[r], xs, kind)


@adjoint(rt.join, passive=("xs",), containers=("h",), linear=True, result=FRESH)
def join(r, h, xs, kind):
    d[h] = rt.unjoin(d[r], xs, kind)


@adjoint(rt.unselect, passive=("condlist", "choicelist"), linear=True, result=FRESH,
         container_result=True)
def unselect(r, g, condlist, choicelist):
    d[g] = rt.reselect(d[r], g, condlist)


@adjoint(rt.reselect, passive=("g", "condlist"), containers=("h",), linear=True,
         result=FRESH)
def reselect(r, h, g, condlist):
    d[h] = rt.unselect(d[r], condlist, h)


@adjoint(rt.average_weights, passive=("a",), linear=True, view="weights")
def average_weights(r, weights, a, axis=None):
    d[weights] = rt.unaverage_weights(d[r], weights, a, axis)


@adjoint(rt.unaverage_weights, passive=("weights", "a"), linear=True, view="g",
         shaped_like="weights")
def unaverage_weights(r, g, weights, a, axis=None):
    d[g] = rt.unbroadcast(rt.average_weights(d[r], a, axis), g)


@adjoint(rt.untile, passive=("A",), linear=True, result=FRESH, shaped_like="A")
def untile(r, g, A, reps):
    d[g] = np.tile(d[r], reps)


@adjoint(rt.unrepeat, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def unrepeat(r, g, a, repeats, axis=None):
    d[g] = np.repeat(d[r], repeats, axis)


@adjoint(rt.unpad, passive=("array",), linear=True, view="g", shaped_like="array")
def unpad(r, g, array, pad_width):
    d[g] = np.pad(d[r], pad_width)


@adjoint(rt.undiagonal, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def undiagonal(r, g, a, offset=0, axis1=0, axis2=1):
    d[g] = np.diagonal(d[r], offset, axis1, axis2)


@adjoint(rt.undiag, passive=("v",), linear=True, view="g", shaped_like="v")
def undiag(r, g, v, k=0):
    d[g] = np.diag(d[r], k)


@adjoint(rt.undiff, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def undiff(r, g, a, n=1, axis=-1):
    d[g] = np.diff(d[r], n, axis)


@adjoint(rt.ungradient, passive=("f",), containers=("g",), linear=True, result=FRESH,
         shaped_like="f")
def ungradient(r, g, f, axis=None, edge_order=1):
    d[g] = np.gradient(d[r], axis=axis, edge_order=edge_order)


@adjoint(rt.untake, passive=("a",), linear=True, result=FRESH, shaped_like="a")
def untake(r, g, a, indices, axis=None, mode="raise"):
    d[g] = np.take(d[r], indices, axis, mode=mode)


@adjoint(rt.untake_along_axis, passive=("arr",), linear=True, result=FRESH,
         shaped_like="arr")
def untake_along_axis(r, g, indices, arr, axis=-1):
    d[g] = np.take_along_axis(d[r], indices, axis)


# --- tangents of a batch of directions (forward.BatchedForward) ------------------------------
# (the helpers of batched tangents are pure: unused, the optimizer drops them)

known(rt.batch_where, rt.batch_zeros, rt.batch_owned, rt.batched_as_gradient, rt.batched_unreduce,
      rt.batched_scatter, rt.batched_scatter_add, rt.batched_cast,
      rt.batched_sum, result=FRESH)
known(rt.batch_align, rt.batch_like, rt.batched_unbroadcast, rt.batched_reshape, view="t")


@batched(rt.unbroadcast)
def unbroadcast_batched(r, g, x, result=None):
    d[r] = rt.batched_unbroadcast(d[g], x, result)


@batched(rt.like)
def like_batched(r, g, y):
    d[r] = rt.batch_like(d[g], y)


@batched(rt.scatter)
def scatter_batched(r, x, index, g):
    d[r] = rt.batched_scatter(x, index, d[g])


@batched(rt.scatter_add_pure)
def scatter_add_batched(r, x_bar, index, g, x=None):
    d[r] = rt.batched_scatter_add(d[x_bar], index, d[g], x, x_bar)


@batched(rt.cast_grad)
def cast_grad_batched(r, g, x):
    d[r] = rt.batched_cast(d[g], x)


@batched(rt.as_gradient)
def as_gradient_batched(r, g, shape):
    d[r] = rt.batched_as_gradient(d[g], shape)


@batched(rt.unreduce)
def unreduce_batched(r, g, x, axis=None, keepdims=False):
    d[r] = rt.batched_unreduce(d[g], x, axis, keepdims)


@batched(rt.add)
def add_batched(r, a, b):
    d[r] = rt.batch_align(d[a], a, r) + rt.batch_align(d[b], b, r)


@batched(rt.fresh)
def fresh_batched(r, seed):
    d[r] = rt.batch_owned(d[seed], seed)
