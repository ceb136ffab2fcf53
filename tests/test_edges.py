"""Every derivative rule at the edges of its domain and at its documented
conventions, or an explicit reason why it has none.

``EDGES`` maps a rule name to cases ``E(fn, *args, wrt=..., expected=...)``
at an edge: a tie of max/min/maximum/minimum/clip/sort, 0 for abs, sqrt,
power and norm, both ends of clip, the base of log, an infinite slope,
integer and boolean inputs.  ``expected(*args)`` computes the documented
convention (README, "What the rules do at awkward points"); without it the
reference is autograd at the same point.  Both are compared at 1e-12 relative
(the same expression, up to rounding), infinities and NaNs exactly.  Forward
mode is checked at the same point: ``jvp`` along a positive direction equals
``<grad, v>`` (so each tangent rule keeps the same convention).

``EDGE_FREE`` names the rules that have no edge, each with why;
``test_every_rule_has_edges_or_a_reason`` fails for a rule in neither (a
rule declared ``linear`` has one derivative everywhere: that is its reason).
"""

import math
import warnings

import numpy as np
import pytest
import scipy.integrate  # noqa: F401  (declares the SciPy rules, enumerated below)
import scipy.linalg  # noqa: F401
import scipy.special  # noqa: F401
import scipy.stats  # noqa: F401

import srcdiff
from srcdiff import primitives

from oracle import oracle_grad


class E:
    """An edge case: ``E(fn, *args, wrt=0, expected=None)``."""

    def __init__(self, fn, *args, wrt=0, expected=None):
        self.fn, self.args, self.wrt, self.expected = fn, args, wrt, expected


# --- functions -------------------------------------------------------------------------------

def maximum(x, y):
    return np.sum(np.maximum(x, y) * np.array([1.0, 2.0, 3.0]))


def minimum(x, y):
    return np.sum(np.minimum(x, y) * np.array([1.0, 2.0, 3.0]))


def maximum_scalar(x, y):
    return np.sum(np.maximum(x, y))


def fmax(x, y):
    return np.sum(np.fmax(x, y) * np.array([1.0, 2.0, 3.0]))


def fmin(x, y):
    return np.sum(np.fmin(x, y) * np.array([1.0, 2.0, 3.0]))


def builtin_max3(a, b, c):
    return max(a, b, c) * 3.0


def builtin_min3(a, b, c):
    return min(a, b, c) * 3.0


def builtin_max2(a, b):
    return max(a, b) ** 2


def builtin_min2(a, b):
    return min(a, b) ** 2


def clip(x):
    return np.sum(np.clip(x, -1.0, 2.0) * np.arange(1.0, 1.0 + x.size))


def clip_upper_only(x):
    return np.sum(np.clip(x, None, 0.5) * np.arange(1.0, 1.0 + x.size))


def np_abs(x):
    return np.sum(np.abs(x) * np.arange(1.0, 1.0 + x.size))


def np_fabs(x):
    return np.sum(np.fabs(x) * np.arange(1.0, 1.0 + x.size))


def builtin_abs(x):
    return np.sum(abs(x)) * 3.0


def math_fabs(x):
    return math.fabs(x) * 3.0


def np_sqrt(x):
    return np.sum(np.sqrt(x))


def math_sqrt(x):
    return math.sqrt(x)


def math_asin(x):
    return math.asin(x)


def math_acos(x):
    return math.acos(x)


def math_pow(x, y):
    return math.pow(x, y)


def math_pow_3(x):
    return math.pow(x, 3.0)


def math_pow_half(x):
    return math.pow(x, 0.5)


def math_pow_0(x):
    return math.pow(x, 0) * x


def math_hypot(x, y):
    return math.hypot(x, y)


def math_atan2(y, x):
    return math.atan2(y, x)


def math_log_base(x, base):
    return math.log(x, base)


def math_log(x):
    return math.log(x)


def math_log2(x):
    return math.log2(x)


def math_log10(x):
    return math.log10(x)


def np_log(x):
    return np.sum(np.log(x))


def np_log2(x):
    return np.sum(np.log2(x))


def np_log10(x):
    return np.sum(np.log10(x))


def np_log1p(x):
    return np.sum(np.log1p(x))


def np_exp2(x):
    return np.sum(np.exp2(x))


def np_logaddexp2(x, y):
    return np.sum(np.logaddexp2(x, y))


def np_arcsin(x):
    return np.sum(np.arcsin(x))


def np_arccos(x):
    return np.sum(np.arccos(x))


def np_arctanh(x):
    return np.sum(np.arctanh(x))


def np_arccosh(x):
    return np.sum(np.arccosh(x))


def np_cbrt(x):
    return np.sum(np.cbrt(x))


def np_reciprocal(x):
    return np.sum(np.reciprocal(x))


def np_divide(x, y):
    return np.sum(np.divide(x, y))


def np_hypot(x, y):
    return np.sum(np.hypot(x, y))


def np_arctan2(y, x):
    return np.sum(np.arctan2(y, x))


def power_half(x):
    return np.sum(x ** 0.5)


def np_power_half(x):
    return np.sum(np.power(x, 0.5))


def power_both(x, y):
    return np.sum(x ** y)


def np_power_both(x, y):
    return np.sum(np.power(x, y))


def np_square(x):
    return np.sum(np.square(x) * x)


def norm(x):
    return np.linalg.norm(x)


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def np_max(x):
    return np.max(x)


def np_min_axis(x):
    return np.sum(np.min(x, axis=1) * np.array([1.0, 2.0]))


def np_amax(x):
    return np.amax(x)


def np_amin(x):
    return np.amin(x)


def meth_max(x):
    return x.max()


def meth_min(x):
    return x.min()


def ptp(x):
    return np.ptp(x)


def sort_weighted(x):
    return np.sum(np.sort(x) * np.arange(1.0, 1.0 + x.size))


def partition_weighted(x):
    return np.sum(np.partition(x, 2) * np.arange(1.0, 1.0 + x.size))


def prod(x):
    return np.prod(x)


def meth_prod(x):
    return x.prod()


def cumprod(x):
    return np.sum(np.cumprod(x))


def meth_cumprod(x):
    return np.sum(x.cumprod())


def std(x):
    return np.std(x)


def meth_std(x):
    return x.std()


def var(x):
    return np.var(x)


def meth_var(x):
    return x.var()


def sinc(x):
    return np.sum(np.sinc(x))


def heaviside(x1, x2):
    return np.sum(np.heaviside(x1, x2))


def remainder(x):
    return np.sum(np.remainder(x, 1.5) * x)


def mod(x):
    return np.sum((x % 1.5) * x)


def nansum(x):
    return np.nansum(x * np.array([2.0, 3.0]))


def nanmean(x):
    return np.sum(np.nanmean(x, axis=1))


def nan_to_num(x):
    return np.sum(np.nan_to_num(x) * np.array([2.0, 3.0, 4.0]))


def sin_cos(x):
    return np.sum(np.sin(x) * np.cos(x) + np.exp(x) * np.tanh(x))


def logaddexp(x, y):
    return np.sum(np.logaddexp(x, y))


def truediv(x, y):
    return np.sum(x / y)


def where(x):
    return np.sum(np.where(x > 0.0, x * x, 2.0 * x))


def select(x):
    return np.sum(np.select([x < 0.0, x > 0.0], [x * x, 3.0 * x], 5.0 * x))


def average(x):
    return np.average(x, weights=np.array([1.0, 0.0, 2.0]))


# --- conventions (computed from the arguments, never typed in) -------------------------------

def _share(x, y, larger):
    """(dx, dy) per element for max (larger) or min: 1 to the extreme side, 1/2 each at a tie."""
    win = (x > y) if larger else (x < y)
    tie = (x == y)
    return win + 0.5 * tie, (~win & ~tie) + 0.5 * tie


def maximum_expected(x, y):
    w = np.array([1.0, 2.0, 3.0])
    dx, dy = _share(x, y, True)
    return dx * w, dy * w


def minimum_expected(x, y):
    w = np.array([1.0, 2.0, 3.0])
    dx, dy = _share(x, y, False)
    return dx * w, dy * w


def maximum_scalar_expected(x, y):
    dx, dy = _share(x, np.full_like(x, y), True)
    return dx, float(np.sum(dy))


def extreme_expected(factor, pick):
    """builtin max/min of numbers: tied extremes share equally."""
    def expected(*xs):
        tied = [x == pick(xs) for x in xs]
        n = sum(tied)
        return tuple(factor(pick(xs)) * t / n for t in tied)
    return expected


def clip_expected(lo, hi):
    def expected(x):
        inside = np.ones(x.shape, bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return inside * np.arange(1.0, 1.0 + x.size)
    return expected


def sign_expected(scale):
    return lambda x: np.sign(x) * scale(x)


def reduction_ties(x, pick):
    m = x == pick(x)
    return m / np.sum(m)


def sort_expected(x):
    """each element gets the weight of the place a stable sort puts it."""
    out = np.empty(x.size)
    out[np.argsort(x, kind="stable")] = np.arange(1.0, 1.0 + x.size)
    return out


def log_base_expected(x, base):
    return 1 / (x * math.log(base)), -math.log(x) / (base * math.log(base) ** 2)


def inf_slope(sign=1.0):
    """An infinite slope: +-inf, as numpy and autograd give (issue 15, item 4)."""
    return lambda *a: sign * math.inf


_W3 = np.arange(1.0, 4.0)

EDGES = {
    # ties: 1/2 to each side (README), also in forward mode
    "numpy.maximum": [E(maximum, np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]), wrt=(0, 1),
                        expected=maximum_expected),
                      E(maximum_scalar, np.array([2.0, 1.0, 2.0]), 2.0, wrt=(0, 1),
                        expected=maximum_scalar_expected)],
    "numpy.minimum": [E(minimum, np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 3.0]), wrt=(0, 1),
                        expected=minimum_expected)],
    "numpy.fmax": [E(fmax, np.array([1.0, 2.0, np.nan]), np.array([1.0, 0.0, 3.0]), wrt=(0, 1),
                     expected=lambda x, y: (np.array([0.5, 2.0, 0.0]), np.array([0.5, 0.0, 3.0])))],
    "numpy.fmin": [E(fmin, np.array([1.0, 2.0, 4.0]), np.array([1.0, np.nan, 3.0]), wrt=(0, 1),
                     expected=lambda x, y: (np.array([0.5, 2.0, 0.0]), np.array([0.5, 0.0, 3.0])))],
    "builtins.max": [E(builtin_max3, 1.5, 1.5, 1.5, wrt=(0, 1, 2),
                       expected=extreme_expected(lambda m: 3.0, max)),
                     E(builtin_max3, 2.0, -1.0, 2.0, wrt=(0, 1, 2),
                       expected=extreme_expected(lambda m: 3.0, max)),
                     E(builtin_max2, -0.5, -0.5, wrt=(0, 1),
                       expected=extreme_expected(lambda m: 2 * m, max))],
    "builtins.min": [E(builtin_min3, 1.5, 1.5, 1.5, wrt=(0, 1, 2),
                       expected=extreme_expected(lambda m: 3.0, min)),
                     E(builtin_min3, -1.0, 2.0, -1.0, wrt=(0, 1, 2),
                       expected=extreme_expected(lambda m: 3.0, min)),
                     E(builtin_min2, 0.7, 0.7, wrt=(0, 1),
                       expected=extreme_expected(lambda m: 2 * m, min))],
    # clip: both ends included
    "numpy.clip": [E(clip, np.array([-1.0, 0.0, 2.0, 3.0, -3.0]), expected=clip_expected(-1.0, 2.0)),
                   E(clip_upper_only, np.array([0.5, -7.0, 0.6]), expected=clip_expected(None, 0.5))],
    # abs at 0: sign(0) = 0
    "numpy.absolute": [E(np_abs, np.array([0.0, -1.5, 2.0, -0.0]),
                         expected=sign_expected(lambda x: np.arange(1.0, 1.0 + x.size)))],
    "numpy.fabs": [E(np_fabs, np.array([0.0, -1.5, 2.0]),
                     expected=sign_expected(lambda x: np.arange(1.0, 1.0 + x.size)))],
    "builtins.abs": [E(builtin_abs, 0.0, expected=sign_expected(lambda x: 3.0)),
                     E(builtin_abs, -2.0, expected=sign_expected(lambda x: 3.0)),
                     E(builtin_abs, np.array([0.0, -2.0, 1.0]),
                       expected=sign_expected(lambda x: 3.0 * np.ones_like(x)))],
    "math.fabs": [E(math_fabs, 0.0, expected=sign_expected(lambda x: 3.0)),
                  E(math_fabs, -0.25, expected=sign_expected(lambda x: 3.0)),
                  E(math_fabs, 0.5, expected=sign_expected(lambda x: 3.0))],
    # infinite slopes: inf (or nan for 0/0), as numpy and autograd, on numbers too
    # (autograd raises ZeroDivisionError on the number 0.0: its rule computes 0.0 ** -0.5)
    "numpy.sqrt": [E(np_sqrt, np.array([0.0, 4.0])), E(np_sqrt, 0.0, expected=inf_slope())],
    "math.sqrt": [E(math_sqrt, 0.0, expected=inf_slope()), E(math_sqrt, 2.25)],
    "math.asin": [E(math_asin, 1.0, expected=inf_slope()), E(math_asin, -1.0, expected=inf_slope()),
                  E(math_asin, 0.0)],
    "math.acos": [E(math_acos, 1.0, expected=inf_slope(-1.0)), E(math_acos, -1.0, expected=inf_slope(-1.0))],
    "math.pow": [E(math_pow, 0.0, 0.5, wrt=0, expected=inf_slope()),
                 E(math_pow, 0.0, 2.0, wrt=(0, 1)), E(math_pow, 2.0, 0.0, wrt=(0, 1)),
                 E(math_pow, 1.7, 2.5, wrt=(0, 1)),
                 # constant exponents (each a rule of its own): 3, 1/2 (infinite at 0), 0
                 E(math_pow_3, 1.7), E(math_pow_3, -0.4), E(math_pow_3, 0.0),
                 E(math_pow_half, 2.0), E(math_pow_half, 0.0, expected=inf_slope()),
                 E(math_pow_0, 1.3, expected=lambda x: 1.0), E(math_pow_0, 0.0, expected=lambda x: 1.0)],
    "math.hypot": [E(math_hypot, 0.0, 0.0, wrt=(0, 1), expected=lambda x, y: (math.nan, math.nan)),
                   E(math_hypot, 0.0, 2.0, wrt=(0, 1))],
    "math.atan2": [E(math_atan2, 0.0, 0.0, wrt=(0, 1), expected=lambda y, x: (math.nan, math.nan)),
                   E(math_atan2, 0.0, -1.0, wrt=(0, 1))],
    "numpy.arcsin": [E(np_arcsin, np.array([1.0, -1.0, 0.0])), E(np_arcsin, 1.0)],
    "numpy.arccos": [E(np_arccos, np.array([1.0, -1.0, 0.0])), E(np_arccos, -1.0)],
    "numpy.arctanh": [E(np_arctanh, np.array([0.0, 0.5])), E(np_arctanh, 1.0, expected=inf_slope())],
    "numpy.arccosh": [E(np_arccosh, np.array([1.0, 2.0])), E(np_arccosh, 1.0)],
    "numpy.cbrt": [E(np_cbrt, np.array([0.0, -8.0]), expected=lambda x: 1 / (3 * np.cbrt(x) ** 2)),
                   E(np_cbrt, 0.0, expected=inf_slope())],
    "numpy.reciprocal": [E(np_reciprocal, np.array([0.0, -2.0])), E(np_reciprocal, 0.0)],
    "numpy.divide": [E(np_divide, 1.0, 0.0, wrt=(0, 1),
                       expected=lambda x, y: (math.inf, -math.inf)),
                     E(np_divide, np.array([1.0, 0.0]), np.array([0.0, 2.0]), wrt=(0, 1))],
    "numpy.log": [E(np_log, np.array([0.0, 2.0])), E(np_log, 0.0, expected=inf_slope())],
    "numpy.log1p": [E(np_log1p, np.array([-1.0, 0.0])), E(np_log1p, -1.0, expected=inf_slope())],
    "numpy.hypot": [E(np_hypot, np.array([0.0, 3.0]), np.array([0.0, 4.0]), wrt=(0, 1))],
    "numpy.arctan2": [E(np_arctan2, np.array([0.0, 1.0]), np.array([0.0, 0.0]), wrt=(0, 1)),
                      E(np_arctan2, 0.0, 0.0, wrt=(0, 1), expected=lambda y, x: (math.nan, math.nan))],
    # powers at 0 (autograd's conventions: 0 ** y has slope 0 in y, x ** 0 none in x)
    "operator.pow": [E(power_half, np.array([0.0, 4.0])), E(power_half, 0.0, expected=inf_slope()),
                     E(power_both, np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 0.0]), wrt=(0, 1)),
                     E(power_both, 0.0, 3.0, wrt=(0, 1))],
    "numpy.power": [E(np_power_half, np.array([0.0, 4.0])), E(np_power_half, 0.0, expected=inf_slope()),
                    E(np_power_both, np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 0.0]), wrt=(0, 1))],
    "numpy.square": [E(np_square, np.array([0.0, -1.0]))],
    # the base of log; ln 2 and ln 10 to full precision
    "math.log": [E(math_log_base, 3.0, 2.0, wrt=(0, 1), expected=log_base_expected),
                 E(math_log_base, 0.3, 10.0, wrt=(0, 1), expected=log_base_expected),
                 E(math_log_base, 5.0, 0.5, wrt=(0, 1), expected=log_base_expected),
                 E(math_log, 1e-300)],
    "math.log2": [E(math_log2, 3.0, expected=lambda x: 1 / (x * math.log(2.0)))],
    "math.log10": [E(math_log10, 3.0, expected=lambda x: 1 / (x * math.log(10.0)))],
    "numpy.log2": [E(np_log2, np.array([3.0, 0.5]), expected=lambda x: 1 / (x * np.log(2.0))),
                   E(np_log2, 0.0, expected=inf_slope())],
    "numpy.log10": [E(np_log10, np.array([3.0, 0.5]), expected=lambda x: 1 / (x * np.log(10.0)))],
    "numpy.exp2": [E(np_exp2, np.array([3.0, -0.5]), expected=lambda x: np.exp2(x) * np.log(2.0))],
    "numpy.logaddexp2": [E(np_logaddexp2, np.array([1.0, -3.0]), np.array([1.0, 2.0]), wrt=(0, 1))],
    "numpy.logaddexp": [E(logaddexp, np.array([1.0, -3.0]), np.array([1.0, 700.0]), wrt=(0, 1))],
    # norms at 0 and at ties
    "numpy.linalg.norm": [E(norm, np.zeros(3), expected=lambda x: np.zeros(3)),
                          E(norm_inf, np.array([1.0, -2.0, 2.0]),
                            expected=lambda x: np.array([0.0, -0.5, 0.5]))],
    # reductions at ties: shared equally
    "numpy.max": [E(np_max, np.array([1.0, 3.0, 3.0]), expected=lambda x: reduction_ties(x, np.max))],
    "numpy.min": [E(np_min_axis, np.array([[1.0, 1.0, 2.0], [0.0, 5.0, 0.0]]),
                    expected=lambda x: (x == np.min(x, axis=1, keepdims=True))
                    / np.sum(x == np.min(x, axis=1, keepdims=True), axis=1, keepdims=True)
                    * np.array([[1.0], [2.0]]))],
    "numpy.amax": [E(np_amax, np.full(4, 2.0), expected=lambda x: reduction_ties(x, np.max))],
    "numpy.amin": [E(np_amin, np.array([2.0, 1.0, 1.0, 5.0]), expected=lambda x: reduction_ties(x, np.min))],
    "ndarray.max": [E(meth_max, np.array([3.0, 3.0, -3.0]), expected=lambda x: reduction_ties(x, np.max))],
    "ndarray.min": [E(meth_min, np.array([-3.0, 3.0, -3.0]), expected=lambda x: reduction_ties(x, np.min))],
    "numpy.ptp": [E(ptp, np.array([1.0, 3.0, 3.0, 1.0, 2.0]),
                    expected=lambda x: reduction_ties(x, np.max) - reduction_ties(x, np.min))],
    # sorting at ties: as a stable sort places them
    "numpy.sort": [E(sort_weighted, np.array([0.5, -1.0, 0.5, 2.0, -1.0]), expected=sort_expected)],
    "numpy.partition": [E(partition_weighted, np.array([0.5, -1.0, 0.5, 2.0, -1.0]),
                          expected=sort_expected)],
    # products at 0 (README: prod(x) / x, so a zero gives nan or inf; cumprod is exact)
    "numpy.prod": [E(prod, np.array([0.0, 2.0, 3.0]), expected=lambda x: np.array([np.nan, 0.0, 0.0]))],
    "ndarray.prod": [E(meth_prod, np.array([2.0, 0.0]), expected=lambda x: np.array([0.0, np.nan]))],
    "numpy.cumprod": [E(cumprod, np.array([2.0, 0.0, 3.0]),
                        expected=lambda x: np.array([1.0, 2.0 + 6.0, 0.0]))],
    "ndarray.cumprod": [E(meth_cumprod, np.array([0.0, 0.0, 3.0]),
                          expected=lambda x: np.array([1.0, 0.0, 0.0]))],
    # spread 0: a single element gives 0 (as autograd); elsewhere nan
    "numpy.std": [E(std, np.array([1.5]), expected=lambda x: np.zeros(1))],
    "ndarray.std": [E(meth_std, np.array([-0.5]), expected=lambda x: np.zeros(1))],
    "numpy.var": [E(var, np.array([2.0, 2.0]))],
    "ndarray.var": [E(meth_var, np.array([2.0]))],
    # documented points: sinc at 0, heaviside at 0, remainder at its jumps, NaNs
    "numpy.sinc": [E(sinc, np.array([0.0, 1.0]), expected=lambda x: np.array([0.0, -1.0]))],
    "numpy.heaviside": [E(heaviside, np.array([0.0, 1.0, 0.0]), np.array([0.5, 0.5, 2.0]), wrt=(0, 1),
                          expected=lambda a, b: (np.zeros(3), (a == 0) * 1.0))],
    "numpy.remainder": [E(remainder, np.array([3.0, -1.5, 0.0]))],
    "operator.mod": [E(mod, np.array([3.0, -1.5, 0.0]))],
    "numpy.nansum": [E(nansum, np.array([np.nan, 2.0]), expected=lambda x: np.array([0.0, 3.0]))],
    "numpy.nanmean": [E(nanmean, np.array([[np.nan, np.nan], [1.0, np.nan]]),
                        expected=lambda x: np.array([[0.0, 0.0], [1.0, 0.0]]))],
    "numpy.nan_to_num": [E(nan_to_num, np.array([np.nan, np.inf, 2.0]),
                           expected=lambda x: np.array([0.0, 0.0, 4.0]))],
    "operator.truediv": [E(truediv, np.array([1.0, 0.0]), np.array([0.0, 2.0]), wrt=(0, 1))],
    # a branch boundary: the branch numpy takes there
    "numpy.where": [E(where, np.array([0.0, 1.0, -1.0]))],
    "numpy.select": [E(select, np.array([0.0, 1.0, -1.0]))],
    # a zero weight
    "numpy.average": [E(average, np.array([1.0, 5.0, 2.0]),
                        expected=lambda x: np.array([1.0, 0.0, 2.0]) / 3.0)],
}

# integer and boolean inputs: the gradient is that of the function at the
# same values as floats (float, shaped like the argument).  (A boolean array
# fed to np.sin is computed by numpy in float16, and so is its gradient, as
# autograd's: not a convention of srcdiff's, so not tested here.)
_INT_INPUTS = [
    E(sin_cos, np.array([1, -2, 3])),
    E(clip, np.array([True, False, True]), expected=clip_expected(-1.0, 2.0)),
    E(maximum_scalar, np.array([1, 2, 3]), 2, wrt=0, expected=lambda x, y: (x > y) + 0.5 * (x == y)),
    E(builtin_max2, 2, 2, wrt=(0, 1), expected=lambda a, b: (2.0, 2.0)),
    E(np_abs, np.array([0, -1, 2]), expected=sign_expected(lambda x: np.arange(1.0, 1.0 + x.size))),
    E(clip, np.array([-1, 0, 2, 3]), expected=clip_expected(-1.0, 2.0)),
]


# --- rules without edges, each with why -----------------------------------------------------

_SMOOTH = "smooth (analytic) on the whole real line: no point where a convention is needed"
_LINEAR = "linear in its differentiable operands (not declared linear): one derivative everywhere"
_COPY = "a copy, conversion or rearrangement of its operand: the derivative passes through unchanged"
_INSIDE = ("its domain edges are where the function itself is undefined or raises: "
           "tested at several interior points by tests/test_rules.py")
_SCIPY = ("SciPy special function or distribution: tested at interior points (tests/cases/"
          "scipy_special.py, tests/test_scipy.py); its edges are autograd's, not srcdiff conventions")
_LINALG = ("matrix function: its edges (repeated eigenvalues, singular matrices) are documented "
           "and tested in tests/test_linalg.py and tests/cases/linalg.py")

EDGE_FREE = {}
for _names, _why in [
    (("math.sin", "math.cos", "math.sinh", "math.cosh", "math.tanh", "math.exp", "math.expm1",
      "math.atan", "numpy.sin", "numpy.cos", "numpy.sinh", "numpy.cosh", "numpy.tanh", "numpy.exp",
      "numpy.expm1", "numpy.arctan", "numpy.arcsinh"), _SMOOTH),
    (("math.tan", "numpy.tan", "math.log1p"), _INSIDE),
    (("operator.add", "operator.sub", "operator.neg", "operator.pos", "numpy.add", "numpy.subtract",
      "numpy.negative", "numpy.positive", "numpy.deg2rad", "numpy.degrees", "numpy.rad2deg",
      "numpy.radians", "builtins.sum", "numpy.cross", "numpy.einsum", "numpy.gradient",
      "numpy.linspace", "numpy.real", "ndarray.real", "numpy.conjugate", "ndarray.conj",
      "ndarray.conjugate"), _LINEAR),
    (("builtins.float", "numpy.float64", "numpy.array", "numpy.asarray", "numpy.copy", "ndarray.copy",
      "numpy.astype", "ndarray.astype", "ndarray.reshape", "numpy.append", "numpy.c_", "numpy.r_",
      "numpy.pad"), _COPY),
    (("math.log2", "math.log10"), "precision cases below"),
    (("numpy.linalg.cholesky", "numpy.linalg.det", "numpy.linalg.eig", "numpy.linalg.eigh",
      "numpy.linalg.inv", "numpy.linalg.matrix_power", "numpy.linalg.pinv", "numpy.linalg.qr",
      "numpy.linalg.slogdet", "numpy.linalg.solve", "numpy.linalg.svd"), _LINALG),
]:
    for _n in _names:
        EDGE_FREE[_n] = _why
for _n in [p.name for p in primitives.all_primitives() if p.name.startswith("scipy.")
           and not p.nondiff]:
    EDGE_FREE[_n] = _SCIPY
del EDGE_FREE["math.log2"], EDGE_FREE["math.log10"]   # (they have cases above)


def _rules():
    """Rules with a derivative (not the runtime helpers of generated code: their
    inputs are what the user-level rules emit; tests/test_higher.py RUNTIME_CASES)."""
    return [p for p in primitives.all_primitives()
            if (p.adjoint is not None or p.variants is not None) and not p.nondiff
            and not p.name.startswith("srcdiff.runtime")]


def test_every_rule_has_edges_or_a_reason():
    missing = sorted(p.name for p in _rules()
                     if p.name not in EDGES and p.name not in EDGE_FREE and not p.linear)
    assert not missing, ("rules with neither edge cases (tests/test_edges.py EDGES) nor a reason "
                         "(EDGE_FREE): " + ", ".join(missing))


def test_tables_name_rules():
    names = {p.name for p in _rules()}
    assert not (set(EDGES) | set(EDGE_FREE)) - names, (set(EDGES) | set(EDGE_FREE)) - names
    assert not set(EDGES) & set(EDGE_FREE), set(EDGES) & set(EDGE_FREE)


# --- the check -------------------------------------------------------------------------------

def _as_list(g, wrt):
    return list(g) if isinstance(wrt, tuple) else [g]


def _compare(got, want, what, rtol=1e-12):
    for k, (a, b) in enumerate(zip(got, want)):
        a = np.asarray(a, dtype=float)
        b = np.broadcast_to(np.asarray(b, dtype=float), a.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-300, equal_nan=True,
                                   err_msg=f"{what}, operand {k}")


def check_edge(case):
    fn, args, wrt = case.fn, case.args, case.wrt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # numpy's divide by zero at the edges
        got = srcdiff.grad(fn, wrt=wrt)(*args)
        if case.expected is not None:
            want = case.expected(*args)
        else:
            want = oracle_grad(fn, args, wrt)
        got_list, want_list = _as_list(got, wrt), _as_list(want, wrt)
        positions = list(wrt) if isinstance(wrt, tuple) else [wrt]
        for p, g in zip(positions, got_list):
            if isinstance(args[p], np.ndarray):
                assert isinstance(g, np.ndarray) and g.shape == args[p].shape, g
                assert np.issubdtype(g.dtype, np.floating), g.dtype
            else:
                assert isinstance(g, (float, np.floating)) and np.ndim(g) == 0, repr(g)
        src = srcdiff.source(fn, wrt=wrt)
        _compare(got_list, want_list, f"{fn.__name__}{args}: gradient\n{src}")
        # forward mode at the same point, along a positive direction
        rng = np.random.default_rng(3)
        v = [rng.uniform(0.5, 1.5, np.shape(args[p])) if np.ndim(args[p]) else
             float(rng.uniform(0.5, 1.5)) for p in positions]
        _, tangent = srcdiff.jvp(fn, wrt=wrt)(*args, tuple(v) if isinstance(wrt, tuple) else v[0])
        expected = sum(np.sum(np.asarray(g, dtype=float) * vi) for g, vi in zip(want_list, v))
        _compare([tangent], [expected], f"{fn.__name__}{args}: jvp\n"
                 + srcdiff.source(fn, wrt=wrt, mode="jvp"))


def _params():
    out = []
    for rule in sorted(EDGES):
        for k, case in enumerate(EDGES[rule]):
            out.append(pytest.param(case, id=f"{rule}-{k}"))
    for k, case in enumerate(_INT_INPUTS):
        out.append(pytest.param(case, id=f"int-bool-{case.fn.__name__}-{k}"))
    return out


@pytest.mark.parametrize("case", _params())
def test_edge(case):
    check_edge(case)


# --- the math functions' domain errors are kept (they are declared impure) -------------------

def unused_sqrt(x):
    check = math.sqrt(x - 5.0)  # noqa: F841  (raises below 5, as f does)
    return x * x


def unused_log(x):
    check = math.log(x)  # noqa: F841
    return x * 3.0


@pytest.mark.parametrize("fn,x", [(unused_sqrt, 1.0), (unused_log, -1.0)],
                         ids=["sqrt", "log"])
def test_math_domain_error_is_kept(fn, x):
    """A derivative raises where the function raises: the optimizer may not drop
    an unused ``math`` call (declared impure)."""
    with pytest.raises(ValueError, match="math domain error"):
        fn(x)
    for api in (srcdiff.grad, srcdiff.value_and_grad):
        with pytest.raises(ValueError, match="math domain error"):
            api(fn)(x)
    with pytest.raises(ValueError, match="math domain error"):
        srcdiff.jvp(fn)(x, 1.0)


def math_pow_one_argument(x):
    return math.pow(x)


def math_log_three_arguments(x):
    return math.log(x, 2.0, 3.0)


def max_of_a_list(x):
    return max([x, 2.0 * x, 0.5])


def min_of_an_array(x):
    return min(x)


@pytest.mark.parametrize("fn,name,x", [(math_pow_one_argument, "math.pow", 2.0),
                                       (math_log_three_arguments, "math.log", 2.0),
                                       (max_of_a_list, "max", 1.5),
                                       (min_of_an_array, "min", np.array([1.0, 3.0]))],
                         ids=["pow", "log", "max-list", "min-array"])
def test_a_call_that_fits_no_form_is_refused(fn, name, x):
    """A call that fits no form of the rule (the builtin max/min of one iterable
    has no rule) is refused with a SrcdiffError naming the call, never a crash of
    the transformer or a gradient of the wrong form."""
    with pytest.raises(srcdiff.NoRuleError, match=f"no derivative rule for {name}"):
        srcdiff.grad(fn)(x)
