"""Reductions and scans: ``cumsum``, ``cumprod``, ``var``, ``std``, ``nansum``,
``nanmean``, ``ptp``, ``average``.

Templates name NumPy's parameters in NumPy's order (``dtype`` and ``out``
included where they come before ``ddof``/``keepdims``), so that positional
arguments bind as NumPy binds them; ``out=`` is lowered to a copy by normalize."""

import gast
import numpy as np

from .. import runtime as rt
from ..primitives import FRESH, Primitive, adjoint, evaluated, tangent, variants
from ..template import Template, d

# --- scans ----------------------------------------------------------------------------


@adjoint(np.cumsum, "ndarray.cumsum", linear=True, result=FRESH, writes=("out",),
         shape=evaluated(np.cumsum))
def cumsum(y, a, axis=None, dtype=None, out=None):
    # the sums from the end (axis=None: y and d[y] are flat)
    d[a] = np.reshape(np.flip(np.cumsum(np.flip(d[y], axis), axis), axis), np.shape(a))


# cumprod: y[j] = a[0] ... a[j], so dy[j]/da[i] = L[i] a[i+1] ... a[j] (j >= i) with
# L the products before i: no division, exact also with zeros in a, at every order
# (rt.scan / rt.revscan carry the products along the axis)
@adjoint(np.cumprod, "ndarray.cumprod", result=FRESH, writes=("out",),
         shape=evaluated(np.cumprod))
def cumprod(y, a, axis=None, dtype=None, out=None):
    b = np.reshape(a, np.shape(y))
    before = np.cumprod(np.where(rt.axis_end(b, axis, 0), 1.0, np.roll(b, 1, axis)), axis)
    d[a] = np.reshape(before * rt.revscan(d[y], b, axis), np.shape(a))


@tangent(np.cumprod, "ndarray.cumprod")
def cumprod_tangent(y, a, axis=None, dtype=None, out=None):
    b = np.reshape(a, np.shape(y))
    before = np.cumprod(np.where(rt.axis_end(b, axis, 0), 1.0, np.roll(b, 1, axis)), axis)
    d[y] = rt.scan(np.reshape(d[a], np.shape(y)) * before, b, axis)


# --- variance and standard deviation ---------------------------------------------------------


@adjoint(np.var, "ndarray.var", shape="reduce", result=FRESH, float_valued=True,
         writes=("out",))
def var(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(y)
    d[a] = rt.unreduce(d[y], a, axis, keepdims) * (a - np.mean(a, axis=axis, keepdims=True)) \
        * (2.0 / (n - ddof))


@tangent(np.var, "ndarray.var")
def var_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(y)
    d[y] = np.sum(d[a] * (a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                  keepdims=keepdims) * (2.0 / (n - ddof))


# (as autograd: over a single element the derivative is 0, not 0 / 0)
@adjoint(np.std, "ndarray.std", shape="reduce", result=FRESH, float_valued=True,
         writes=("out",))
def std(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(y)
    s = np.where(n > 1, y, 1.0)
    d[a] = rt.unreduce(d[y] / s, a, axis, keepdims) * (a - np.mean(a, axis=axis, keepdims=True)) \
        * ((n > 1) / (n - ddof))


@tangent(np.std, "ndarray.std")
def std_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(y)
    s = np.where(n > 1, y, 1.0)
    d[y] = np.sum(d[a] * (a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                  keepdims=keepdims) * ((n > 1) / (n - ddof)) / s


# --- NaN-ignoring reductions: no derivative flows to a NaN ------------------------------------
# (np.where, not a product with a mask: a tangent at a NaN may itself be NaN)


@adjoint(np.nansum, shape="reduce", result=FRESH, writes=("out",))
def nansum(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = rt.unreduce(d[y], a, axis, keepdims) * (1.0 - np.isnan(a))


@tangent(np.nansum)
def nansum_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(np.where(np.isnan(a), 0.0, d[a]), axis=axis, keepdims=keepdims)


# (a slice of NaNs only has the mean NaN; its elements get no derivative)
@adjoint(np.nanmean, shape="reduce", result=FRESH, float_valued=True, writes=("out",))
def nanmean(y, a, axis=None, dtype=None, out=None, keepdims=False):
    m = 1.0 - np.isnan(a)
    d[a] = rt.unreduce(d[y], a, axis, keepdims) * m \
        / np.maximum(np.sum(m, axis=axis, keepdims=True), 1.0)


@tangent(np.nanmean)
def nanmean_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    m = np.isnan(a)
    d[y] = np.sum(np.where(m, 0.0, d[a]), axis=axis, keepdims=keepdims) \
        / np.maximum(np.sum(1.0 - m, axis=axis, keepdims=keepdims), 1.0)


# --- peak to peak: max - min (ties share, as for np.max) ----------------------------------------


@adjoint(np.ptp, shape="reduce", result=FRESH, writes=("out",))
def ptp(y, a, axis=None, out=None, keepdims=False):
    d[a] = rt.unreduce_extreme(d[y], np.max(a, axis=axis, keepdims=keepdims), a, axis,
                               keepdims) \
        - rt.unreduce_extreme(d[y], np.min(a, axis=axis, keepdims=keepdims), a, axis, keepdims)


@tangent(np.ptp)
def ptp_tangent(y, a, axis=None, out=None, keepdims=False):
    w = rt.unreduce_extreme(1.0, np.max(a, axis=axis, keepdims=keepdims), a, axis, keepdims) \
        - rt.unreduce_extreme(1.0, np.min(a, axis=axis, keepdims=keepdims), a, axis, keepdims)
    d[y] = np.sum(d[a] * w, axis=axis, keepdims=keepdims)


# --- weighted average ---------------------------------------------------------------------------


def _average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    d[a] = rt.unreduce_mean(d[y], a, axis, keepdims)


def _weighted(y, a, axis=None, weights=None, returned=False, keepdims=False):
    w = rt.average_weights(weights, a, axis)
    g = rt.unreduce(d[y], a, axis, keepdims) \
        / np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=True)
    d[a] = g * w
    d[weights] = rt.unaverage_weights(g * (a - rt.unreduce(y, a, axis, keepdims)), weights, a,
                                      axis)


def _weighted_tangent(y, a, axis=None, weights=None, returned=False, keepdims=False):
    w = rt.average_weights(weights, a, axis)
    s = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=keepdims)
    d[y] = np.sum(d[a] * w, axis=axis, keepdims=keepdims) / s
    d[y] = np.sum(rt.average_weights(d[weights], a, axis) * (a - rt.unreduce(y, a, axis, keepdims)),
                  axis=axis, keepdims=keepdims) / s


def _average_primitive(fn, tangent_fn=None, linear=False):
    name = "numpy.average"
    return Primitive(name, np.average, signature=tuple(Template(fn, name).params[1:]),
                     adjoint=Template(fn, name), linear=linear, aliases=(), shape="reduce",
                     float_valued=True,
                     tangent=tangent_fn and Template(tangent_fn, f"{name} (tangent)"))


_AVERAGE = _average_primitive(_average, linear=True)
_WEIGHTED = _average_primitive(_weighted, _weighted_tangent)


def _given(atom):
    return atom is not None and not (isinstance(atom, gast.Constant) and atom.value is None)


@variants(np.average, result=FRESH, float_valued=True)
def average(args, keywords):
    """``np.average(a, axis, weights, keepdims=...)``; ``returned=True`` (a pair) has
    no rule."""
    bound = _AVERAGE.bind(args, keywords)
    if bound is None:
        return None
    returned = bound[1].get("returned")
    if returned is not None and not (isinstance(returned, gast.Constant)
                                     and returned.value is False):
        return None
    return (_WEIGHTED if _given(bound[1].get("weights")) else _AVERAGE), bound[1]
