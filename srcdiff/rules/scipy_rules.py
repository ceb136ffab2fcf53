"""SciPy: ``scipy.special`` and the distributions of ``scipy.stats`` that
autograd also differentiates.  SciPy is optional: ``rules/__init__.py`` defers
this module until the program has imported ``scipy.special`` or ``scipy.stats``
(``primitives.defer``), so it is never imported without SciPy and
``import srcdiff`` does not import SciPy.

A derivative that needs a SciPy function calls it as ``rt.special.<name>`` or
``rt.stats.<dist>.<method>`` (``runtime.py`` hands out the SciPy modules), so
generated code calls the same primitives again when it is differentiated.

Orders and counts that are integers (``polygamma``'s ``n``, ``yn``'s ``n``,
``multigammaln``'s ``d``, ``poisson``'s ``k``) are passive: there is no
derivative in a value that moves in whole steps.  A real order (``iv``, ``ive``, ``jv``) and the
shape parameters whose derivative has no closed form (``gammainc``'s ``a``,
``t.cdf``'s ``df``, ``beta.cdf``'s ``a`` and ``b``, ``betainc``'s ``a`` and ``b``,
``chi2.cdf``'s ``df`` ...) are refused where a derivative would flow through them.

The distributions are methods of SciPy's distribution objects
(``stats.norm.logpdf`` is a bound method, made anew at each reading); they are
declared by the bound method, which compares equal to every later reading, so
``stats.norm.logpdf(x, loc, scale)`` and ``norm.logpdf(x)`` after
``from scipy.stats import norm`` both resolve to the rule.  Frozen
distributions (``stats.norm(0, 1).logpdf``) and ``loc``/``scale`` of
``beta``, ``gamma``, ``chi2``, ``poisson`` are not declared (refused where they
matter).
"""

import gast
import numpy as np
from scipy import special, stats

from .. import runtime as rt
from ..primitives import FRESH, Primitive, adjoint, elementwise, nondiff, tangent, variants
from ..template import Template, d

_FACTS = dict(result=FRESH, float_valued=True)


def _special(name, **facts):
    """``@elementwise`` for ``scipy.special.<name>``."""
    return elementwise(getattr(special, name), name=f"scipy.special.{name}", **_FACTS,
                       **facts)


# --- scipy.special: elementwise ---------------------------------------------------


@_special("expit")
def expit(y, x):
    return y * (1 - y)


@_special("logit")
def logit(y, x):
    return 1 / (x * (1 - x))


@_special("erf")
def erf(y, x):
    return 1.1283791670955126 * np.exp(-x * x)   # 2 / sqrt(pi)


@_special("erfc")
def erfc(y, x):
    return -1.1283791670955126 * np.exp(-x * x)


@_special("erfinv")
def erfinv(y, x):
    return 0.886226925452758 * np.exp(y * y)      # sqrt(pi) / 2


@_special("erfcinv")
def erfcinv(y, x):
    return -0.886226925452758 * np.exp(y * y)


@_special("gamma")
def gamma(y, x):
    return y * rt.special.digamma(x)


@_special("gammaln")
def gammaln(y, x):
    return rt.special.digamma(x)


# 1/gamma is entire: at its zeros, the poles 0, -1, -2 ... of gamma, the derivative
# is (-1)^n n! (not -y * digamma(x): 0 * inf there)
@_special("rgamma")
def rgamma(y, x):
    pole = (x <= 0) & (x % 1 == 0)
    return np.where(pole, rt.special.gamma(1 - x) * np.cos(np.pi * x),
                    -y * rt.special.digamma(np.where(pole, 1.0, x)))


nondiff(special.gammasgn, name="scipy.special.gammasgn", result=FRESH, shape="elementwise")


@_special("digamma")   # (scipy.special.psi is the same function)
def digamma(y, x):
    return rt.special.polygamma(1, x)


@_special("polygamma", passive=("n",))
def polygamma(y, n, x):
    return None, rt.special.polygamma(n + 1, x)


@_special("multigammaln", passive=("d",))
def multigammaln(y, a, d):
    return np.sum(rt.special.digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1), None


@_special("beta")
def beta(y, a, b):
    s = rt.special.digamma(a + b)
    return y * (rt.special.digamma(a) - s), y * (rt.special.digamma(b) - s)


@_special("betaln")
def betaln(y, a, b):
    s = rt.special.digamma(a + b)
    return rt.special.digamma(a) - s, rt.special.digamma(b) - s


@_special("gammainc")
def gammainc(y, a, x):
    return None, np.exp(rt.special.xlogy(a - 1, x) - x - rt.special.gammaln(a))


@_special("gammaincc")
def gammaincc(y, a, x):
    return None, -np.exp(rt.special.xlogy(a - 1, x) - x - rt.special.gammaln(a))


# the regularized incomplete beta function: in x the beta density (xlogy, xlog1py:
# finite at x = 0 where a = 1 and at x = 1 where b = 1); in a and b not closed-form
@_special("betainc")
def betainc(y, a, b, x):
    return None, None, np.exp(rt.special.xlogy(a - 1, x) + rt.special.xlog1py(b - 1, -x)
                              - rt.special.betaln(a, b))


# x * log(y) is 0 wherever x is 0: its derivative in y is 0 there (also at y = 0)
@_special("xlogy")
def xlogy(z, x, y):
    return np.log(y), x / np.where(x == 0, 1.0, y)


@_special("xlog1py")
def xlog1py(z, x, y):
    return np.log1p(y), x / np.where(x == 0, 1.0, 1 + y)


# --- Bessel functions ---------------------------------------------------------------


@_special("i0")
def i0(y, x):
    return rt.special.i1(x)


@_special("i1")
def i1(y, x):
    return (rt.special.i0(x) + rt.special.iv(2, x)) / 2


@_special("iv")
def iv(y, v, x):
    return None, (rt.special.iv(v - 1, x) + rt.special.iv(v + 1, x)) / 2


@_special("ive")   # iv(v, x) * exp(-|x|)
def ive(y, v, x):
    return None, (rt.special.ive(v - 1, x) + rt.special.ive(v + 1, x)) / 2 - np.sign(x) * y


@_special("j0")
def j0(y, x):
    return -rt.special.j1(x)


@_special("j1")
def j1(y, x):
    return (rt.special.j0(x) - rt.special.jv(2, x)) / 2


@_special("jv")   # (scipy.special.jn is the same function)
def jv(y, v, x):
    return None, (rt.special.jv(v - 1, x) - rt.special.jv(v + 1, x)) / 2


@_special("y0")
def y0(y, x):
    return -rt.special.y1(x)


@_special("y1")
def y1(y, x):
    return (rt.special.y0(x) - rt.special.yn(2, x)) / 2


@_special("yn", passive=("n",))
def yn(y, n, x):
    return None, (rt.special.yn(n - 1, x) - rt.special.yn(n + 1, x)) / 2


# --- scipy.special: along an axis ------------------------------------------------------


@adjoint(special.softmax, name="scipy.special.softmax", shape="elementwise", **_FACTS)
def softmax(y, x, axis=None):
    d[x] = y * (d[y] - np.sum(d[y] * y, axis=axis, keepdims=True))


@tangent(special.softmax)
def softmax_tangent(y, x, axis=None):
    d[y] = y * (d[x] - np.sum(d[x] * y, axis=axis, keepdims=True))


@adjoint(special.log_softmax, name="scipy.special.log_softmax", shape="elementwise", **_FACTS)
def log_softmax(y, x, axis=None):
    d[x] = d[y] - np.exp(y) * np.sum(rt.like(d[y], y), axis=axis, keepdims=True)


@tangent(special.log_softmax)
def log_softmax_tangent(y, x, axis=None):
    d[y] = d[x] - np.sum(d[x] * np.exp(y), axis=axis, keepdims=True)


def _logsumexp(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce(d[y], a, axis, keepdims) * np.exp(a - rt.unreduce(y, a, axis, keepdims))


def _logsumexp_tangent(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * np.exp(a - rt.unreduce(y, a, axis, keepdims)), axis=axis,
                  keepdims=keepdims)


def _logsumexp_b(y, a, axis=None, b=None, keepdims=False):
    ab = a * b   # (the shape a and b broadcast to)
    w = np.exp(a - rt.unreduce(y, ab, axis, keepdims))
    g = rt.unreduce(d[y], ab, axis, keepdims)
    d[a] = rt.unbroadcast(g * b * w, a)
    d[b] = rt.unbroadcast(g * w, b)


def _logsumexp_b_tangent(y, a, axis=None, b=None, keepdims=False):
    w = np.exp(a - rt.unreduce(y, a * b, axis, keepdims))
    d[y] = np.sum(d[a] * b * w, axis=axis, keepdims=keepdims)
    d[y] = np.sum(d[b] * w, axis=axis, keepdims=keepdims)


def _primitive(name, adjoint_rule, tangent_rule, **facts):
    """A rule chosen by a ``variants`` declaration (not registered itself)."""
    template = Template(adjoint_rule, name)
    return Primitive(name, name, signature=tuple(template.params[1:]), adjoint=template,
                     tangent=Template(tangent_rule, f"{name} (tangent)"), aliases=(),
                     float_valued=True, **facts)


_LOGSUMEXP = _primitive("scipy.special.logsumexp", _logsumexp, _logsumexp_tangent,
                        shape="reduce")
_LOGSUMEXP_B = _primitive("scipy.special.logsumexp", _logsumexp_b, _logsumexp_b_tangent,
                          shape="reduce")


def _bind(params, args, keywords):
    """``{param: argument}`` for a call, or None when the arguments do not fit."""
    if len(args) > len(params):
        return None
    bound = dict(zip(params, args))
    for key, value in keywords.items():
        if key not in params or key in bound:
            return None
        bound[key] = value
    return bound


def _is(node, value):
    return isinstance(node, gast.Constant) and node.value is value


@variants(special.logsumexp, name="scipy.special.logsumexp", shape="reduce", **_FACTS)
def logsumexp(args, keywords):
    """``logsumexp(a, axis, b, keepdims)``; ``return_sign=True`` (a pair) is refused."""
    bound = _bind(("a", "axis", "b", "keepdims", "return_sign"), args, keywords)
    if bound is None or not _is(bound.pop("return_sign", gast.Constant(False, None)), False):
        return None
    if _is(bound.get("b"), None):
        del bound["b"]
    return (_LOGSUMEXP_B if "b" in bound else _LOGSUMEXP), bound


# --- scipy.stats: the normal distribution ---------------------------------------------
# (partials in x, loc, scale; z = (x - loc) / scale)


def _stats(dist, method, **facts):
    """``@elementwise`` for ``scipy.stats.<dist>.<method>``."""
    return elementwise(getattr(getattr(stats, dist), method),
                       name=f"scipy.stats.{dist}.{method}", **_FACTS, **facts)


@_stats("norm", "logpdf")
def norm_logpdf(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -z / scale, z / scale, (z * z - 1) / scale


@_stats("norm", "pdf")
def norm_pdf(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -y * z / scale, y * z / scale, y * (z * z - 1) / scale


@_stats("norm", "cdf")
def norm_cdf(y, x, loc=0.0, scale=1.0):
    p = rt.stats.norm.pdf(x, loc, scale)
    return p, -p, -p * (x - loc) / scale


@_stats("norm", "sf")
def norm_sf(y, x, loc=0.0, scale=1.0):
    p = rt.stats.norm.pdf(x, loc, scale)
    return -p, p, p * (x - loc) / scale


@_stats("norm", "logcdf")
def norm_logcdf(y, x, loc=0.0, scale=1.0):
    r = np.exp(rt.stats.norm.logpdf(x, loc, scale) - y)   # pdf / cdf
    return r, -r, -r * (x - loc) / scale


@_stats("norm", "logsf")
def norm_logsf(y, x, loc=0.0, scale=1.0):
    r = np.exp(rt.stats.norm.logpdf(x, loc, scale) - y)   # pdf / sf
    return -r, r, r * (x - loc) / scale


# --- Student's t (df: only logpdf and pdf have its derivative) ---------------------------


@_stats("t", "logpdf")
def t_logpdf(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    w = (df + 1) * z / (df + z * z)
    return (-w / scale,
            0.5 * (z * w / df - np.log1p(z * z / df) - 1 / df
                   - rt.special.digamma(df / 2) + rt.special.digamma((df + 1) / 2)),
            w / scale,
            (w * z - 1) / scale)


@_stats("t", "pdf")
def t_pdf(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    w = (df + 1) * z / (df + z * z)
    return (-y * w / scale,
            y * 0.5 * (z * w / df - np.log1p(z * z / df) - 1 / df
                       - rt.special.digamma(df / 2) + rt.special.digamma((df + 1) / 2)),
            y * w / scale,
            y * (w * z - 1) / scale)


@_stats("t", "cdf")
def t_cdf(y, x, df, loc=0.0, scale=1.0):
    p = rt.stats.t.pdf(x, df, loc, scale)
    return p, None, -p, -p * (x - loc) / scale


@_stats("t", "sf")
def t_sf(y, x, df, loc=0.0, scale=1.0):
    p = rt.stats.t.pdf(x, df, loc, scale)
    return -p, None, p, p * (x - loc) / scale


@_stats("t", "logcdf")
def t_logcdf(y, x, df, loc=0.0, scale=1.0):
    r = np.exp(rt.stats.t.logpdf(x, df, loc, scale) - y)
    return r, None, -r, -r * (x - loc) / scale


@_stats("t", "logsf")
def t_logsf(y, x, df, loc=0.0, scale=1.0):
    r = np.exp(rt.stats.t.logpdf(x, df, loc, scale) - y)
    return -r, None, r, r * (x - loc) / scale


# --- beta and gamma (standard form; a and b: only logpdf and pdf) -------------------------
# ((a - 1) / x is 0 where a is 1, also at x = 0: the density is finite there)


@_stats("beta", "logpdf")
def beta_logpdf(y, x, a, b):
    s = rt.special.digamma(a + b)
    return ((a - 1) / np.where(a == 1, 1.0, x) - (b - 1) / np.where(b == 1, 1.0, 1 - x),
            np.log(x) - rt.special.digamma(a) + s,
            np.log1p(-x) - rt.special.digamma(b) + s)


@_stats("beta", "pdf")
def beta_pdf(y, x, a, b):
    s = rt.special.digamma(a + b)
    return (y * ((a - 1) / np.where(a == 1, 1.0, x) - (b - 1) / np.where(b == 1, 1.0, 1 - x)),
            y * (np.log(x) - rt.special.digamma(a) + s),
            y * (np.log1p(-x) - rt.special.digamma(b) + s))


@_stats("beta", "cdf")
def beta_cdf(y, x, a, b):
    return rt.stats.beta.pdf(x, a, b), None, None


@_stats("beta", "sf")
def beta_sf(y, x, a, b):
    return -rt.stats.beta.pdf(x, a, b), None, None


@_stats("beta", "logcdf")
def beta_logcdf(y, x, a, b):
    return np.exp(rt.stats.beta.logpdf(x, a, b) - y), None, None


@_stats("beta", "logsf")
def beta_logsf(y, x, a, b):
    return -np.exp(rt.stats.beta.logpdf(x, a, b) - y), None, None


@_stats("gamma", "logpdf")
def gamma_logpdf(y, x, a):
    return (a - 1) / np.where(a == 1, 1.0, x) - 1, np.log(x) - rt.special.digamma(a)


@_stats("gamma", "pdf")
def gamma_pdf(y, x, a):
    return y * ((a - 1) / np.where(a == 1, 1.0, x) - 1), y * (np.log(x) - rt.special.digamma(a))


@_stats("gamma", "cdf")
def gamma_cdf(y, x, a):
    return rt.stats.gamma.pdf(x, a), None


@_stats("gamma", "sf")
def gamma_sf(y, x, a):
    return -rt.stats.gamma.pdf(x, a), None


@_stats("gamma", "logcdf")
def gamma_logcdf(y, x, a):
    return np.exp(rt.stats.gamma.logpdf(x, a) - y), None


@_stats("gamma", "logsf")
def gamma_logsf(y, x, a):
    return -np.exp(rt.stats.gamma.logpdf(x, a) - y), None


# --- chi-squared (standard form; df: only logpdf and pdf; (df / 2 - 1) / x is 0 where df
# is 2, also at x = 0; the pdf is 0 off x > 0, and so are its partials) ------------------


@_stats("chi2", "logpdf")
def chi2_logpdf(y, x, df):
    return ((df / 2 - 1) / np.where(df == 2, 1.0, x) - 0.5,
            0.5 * (np.log(x) - 0.6931471805599453 - rt.special.digamma(df / 2)))   # log 2


@_stats("chi2", "pdf")
def chi2_pdf(y, x, df):
    return (y * ((df / 2 - 1) / np.where(df == 2, 1.0, x) - 0.5),
            y * 0.5 * (np.log(np.where(x > 0, x, 1.0)) - 0.6931471805599453
                       - rt.special.digamma(df / 2)))


@_stats("chi2", "cdf")
def chi2_cdf(y, x, df):
    return rt.stats.chi2.pdf(x, df), None


@_stats("chi2", "sf")
def chi2_sf(y, x, df):
    return -rt.stats.chi2.pdf(x, df), None


@_stats("chi2", "logcdf")
def chi2_logcdf(y, x, df):
    return np.exp(rt.stats.chi2.logpdf(x, df) - y), None


@_stats("chi2", "logsf")
def chi2_logsf(y, x, df):
    return -np.exp(rt.stats.chi2.logpdf(x, df) - y), None


# --- Poisson (the count k is passive; the mass is 0 off the non-negative integers) ----------


@_stats("poisson", "logpmf", passive=("k",))
def poisson_logpmf(y, k, mu):
    return None, np.where((k % 1 == 0) & (k >= 0), k / mu - 1, 0.0)


@_stats("poisson", "pmf", passive=("k",))
def poisson_pmf(y, k, mu):
    return None, y * (k / mu - 1)


@_stats("poisson", "cdf", passive=("k",))
def poisson_cdf(y, k, mu):
    return None, -rt.stats.poisson.pmf(np.floor(k), mu)


@_stats("poisson", "sf", passive=("k",))
def poisson_sf(y, k, mu):
    return None, rt.stats.poisson.pmf(np.floor(k), mu)


@_stats("poisson", "logcdf", passive=("k",))
def poisson_logcdf(y, k, mu):
    return None, -np.exp(rt.stats.poisson.logpmf(np.floor(k), mu) - y)


@_stats("poisson", "logsf", passive=("k",))
def poisson_logsf(y, k, mu):
    return None, np.exp(rt.stats.poisson.logpmf(np.floor(k), mu) - y)


# --- Dirichlet: x holds the components along its first axis (one point per column) ------
# (the shape of the result is not declared: SciPy drops axes of length 1)


@adjoint(stats.dirichlet.logpdf, name="scipy.stats.dirichlet.logpdf", **_FACTS)
def dirichlet_logpdf(y, x, alpha):
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))
    gx = np.reshape(d[y], (1,) + np.shape(x)[1:])
    d[x] = gx * (a - 1) / x
    d[alpha] = np.sum(np.reshape(gx * (rt.special.digamma(np.sum(alpha))
                                      - rt.special.digamma(a) + np.log(x)),
                                 (np.shape(alpha)[0], -1)), axis=1)


@tangent(stats.dirichlet.logpdf)
def dirichlet_logpdf_tangent(y, x, alpha):
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))
    d[y] = np.reshape(np.sum(d[x] * (a - 1) / x, axis=0), np.shape(y))
    d[y] = np.reshape(np.sum(np.reshape(d[alpha], np.shape(a)) * (
        rt.special.digamma(np.sum(alpha)) - rt.special.digamma(a) + np.log(x)), axis=0),
        np.shape(y))


@adjoint(stats.dirichlet.pdf, name="scipy.stats.dirichlet.pdf", **_FACTS)
def dirichlet_pdf(y, x, alpha):
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))
    gx = np.reshape(d[y] * y, (1,) + np.shape(x)[1:])
    d[x] = gx * (a - 1) / x
    d[alpha] = np.sum(np.reshape(gx * (rt.special.digamma(np.sum(alpha))
                                      - rt.special.digamma(a) + np.log(x)),
                                 (np.shape(alpha)[0], -1)), axis=1)


@tangent(stats.dirichlet.pdf)
def dirichlet_pdf_tangent(y, x, alpha):
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(x) - 1))
    d[y] = y * np.reshape(np.sum(d[x] * (a - 1) / x, axis=0), np.shape(y))
    d[y] = y * np.reshape(np.sum(np.reshape(d[alpha], np.shape(a)) * (
        rt.special.digamma(np.sum(alpha)) - rt.special.digamma(a) + np.log(x)), axis=0),
        np.shape(y))


# --- the multivariate normal: x holds the components along its last axis ----------------
# (s = cov^-1 (x - mean) per point; d logpdf / d cov = (s s^T - cov^-1) / 2, the
# symmetric gradient autograd gives; mean and cov must be given, cov as a matrix)


def _mvn_logpdf(y, x, mean, cov):
    inv = np.linalg.inv(cov)
    s = (x - mean) @ inv
    g = np.expand_dims(np.reshape(d[y], np.shape(s)[:-1]), -1)
    s2 = np.reshape(s, (-1, np.shape(s)[-1]))
    d[x] = rt.unbroadcast(-g * s, x)
    d[mean] = rt.unbroadcast(g * s, mean)
    d[cov] = 0.5 * (np.reshape(g * s, np.shape(s2)).T @ s2 - np.sum(g) * inv)


def _mvn_logpdf_tangent(y, x, mean, cov):
    inv = np.linalg.inv(cov)
    s = (x - mean) @ inv
    d[y] = np.reshape(-np.sum(d[x] * s, axis=-1), np.shape(y))
    d[y] = np.reshape(np.sum(d[mean] * s, axis=-1), np.shape(y))
    d[y] = np.reshape(0.5 * (np.sum((s @ d[cov]) * s, axis=-1) - np.sum(inv * d[cov].T)),
                      np.shape(y))


def _mvn_pdf(y, x, mean, cov):
    inv = np.linalg.inv(cov)
    s = (x - mean) @ inv
    g = np.expand_dims(np.reshape(d[y] * y, np.shape(s)[:-1]), -1)
    s2 = np.reshape(s, (-1, np.shape(s)[-1]))
    d[x] = rt.unbroadcast(-g * s, x)
    d[mean] = rt.unbroadcast(g * s, mean)
    d[cov] = 0.5 * (np.reshape(g * s, np.shape(s2)).T @ s2 - np.sum(g) * inv)


def _mvn_pdf_tangent(y, x, mean, cov):
    inv = np.linalg.inv(cov)
    s = (x - mean) @ inv
    d[y] = y * np.reshape(-np.sum(d[x] * s, axis=-1), np.shape(y))
    d[y] = y * np.reshape(np.sum(d[mean] * s, axis=-1), np.shape(y))
    d[y] = y * np.reshape(0.5 * (np.sum((s @ d[cov]) * s, axis=-1) - np.sum(inv * d[cov].T)),
                          np.shape(y))


def _mvn(primitive):
    """``<method>(x, mean, cov)``: mean and cov given; ``allow_singular=True`` refused."""
    def variant(args, keywords):
        bound = _bind(("x", "mean", "cov", "allow_singular"), args, keywords)
        if bound is None or not _is(bound.pop("allow_singular", gast.Constant(False, None)),
                                    False) or set(bound) != {"x", "mean", "cov"}:
            return None
        return primitive, bound
    return variant


def _declare_mvn(method, adjoint_rule, tangent_rule):
    name = f"scipy.stats.multivariate_normal.{method}"
    variants(getattr(stats.multivariate_normal, method), name=name, **_FACTS)(
        _mvn(_primitive(name, adjoint_rule, tangent_rule)))


_declare_mvn("logpdf", _mvn_logpdf, _mvn_logpdf_tangent)
_declare_mvn("pdf", _mvn_pdf, _mvn_pdf_tangent)


# the entropy, (log det(2 pi e cov)) / 2, does not depend on the mean (passive)


def _mvn_entropy(y, mean, cov):
    rt.check(np.ndim(cov) == 2, "the derivative of multivariate_normal.entropy is for cov "
             "given as a matrix", "pass np.diag(variances) or variance * np.eye(n)")
    d[cov] = 0.5 * d[y] * rt.mT(np.linalg.inv(cov))


def _mvn_entropy_tangent(y, mean, cov):
    rt.check(np.ndim(cov) == 2, "the derivative of multivariate_normal.entropy is for cov "
             "given as a matrix", "pass np.diag(variances) or variance * np.eye(n)")
    d[y] = 0.5 * np.sum(np.linalg.inv(cov) * rt.mT(d[cov]))


_MVN_ENTROPY = _primitive("scipy.stats.multivariate_normal.entropy", _mvn_entropy,
                          _mvn_entropy_tangent, passive=("mean",), shape="scalar")


@variants(stats.multivariate_normal.entropy, name="scipy.stats.multivariate_normal.entropy",
          shape="scalar", **_FACTS)
def mvn_entropy(args, keywords):
    """``entropy(mean, cov)`` with cov given (as a matrix)."""
    bound = _bind(("mean", "cov"), args, keywords)
    if bound is None or "cov" not in bound:
        return None
    bound.setdefault("mean", gast.Constant(None, None))
    return _MVN_ENTROPY, bound
