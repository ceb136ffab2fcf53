"""Rule cases of ``srcdiff/rules/scipy_rules.py``: ``scipy.special`` and the
distributions of ``scipy.stats`` (none without SciPy, whose rules are then not
declared).  The oracle's twins call ``autograd.scipy`` (``tests/oracle.py``)."""

import numpy as np

from oracle import fd_grad
from rules_support import R

try:
    from scipy import special, stats
except ImportError:
    special = stats = None

_X = np.array([0.3, -1.2, 2.1, 0.05])           # any real
_P = np.array([0.3, 1.7, 2.6, 0.9])             # positive
_U = np.array([0.15, 0.5, 0.82, 0.97])          # in (0, 1)
_M = np.array([[0.5, -1.2, 0.3], [1.1, 0.2, -0.7]])
_PM = np.array([[0.5, 1.2, 0.3], [1.1, 2.2, 3.7]])
_UM = np.array([[0.2, 0.45, 0.7], [0.9, 0.35, 0.05]])
_W = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])   # weights: sums that are not constant
_T = np.arange(24.0).reshape(2, 3, 4) / 7.0 - 1.5
_WT = np.cos(np.arange(24.0)).reshape(2, 3, 4)


# --- scipy.special, elementwise ---------------------------------------------------------


def sp_expit(x):
    return np.sum(special.expit(x))


def sp_logit(x):
    return np.sum(special.logit(x))


def sp_erf(x):
    return np.sum(special.erf(x) * x)


def sp_erfc(x):
    return np.sum(special.erfc(x))


def sp_erfinv(x):
    return np.sum(special.erfinv(x))


def sp_erfcinv(x):
    return np.sum(special.erfcinv(x))


def sp_gamma(x):
    return np.sum(special.gamma(x))


def sp_gammaln(x):
    return np.sum(special.gammaln(x))


def sp_rgamma(x):
    return np.sum(special.rgamma(x) * x)


def sp_gammasgn(x):
    return np.sum(special.gammasgn(x) * x * x)


def sp_digamma(x):
    return np.sum(special.digamma(x))


def sp_psi(x):
    return np.sum(special.psi(x) * x)


def sp_polygamma0(x):
    return np.sum(special.polygamma(0, x))


def sp_polygamma2(x):
    return np.sum(special.polygamma(2, x))


_N = np.array([1, 2, 3, 1])


def sp_polygamma_orders(x):
    return np.sum(special.polygamma(_N, x))


def sp_multigammaln(a):
    return special.multigammaln(a, 3)


def sp_multigammaln_array(a):
    return np.sum(special.multigammaln(a, 2))


def sp_beta(a, b):
    return np.sum(special.beta(a, b))


def sp_betaln(a, b):
    return np.sum(special.betaln(a, b))


def sp_gammainc(x):
    return np.sum(special.gammainc(_P, x))


def sp_gammainc_a(a, x):
    return np.sum(special.gammainc(a, x))


def sp_betainc(x):
    return np.sum(special.betainc(2.5, 0.7, x))


def sp_betainc_ab(a, b, x):
    return np.sum(special.betainc(a, b, x) * x)


def sp_gammaincc(x):
    return np.sum(special.gammaincc(_P, x))


def sp_gammaincc_a(a, x):
    return np.sum(special.gammaincc(a, x))


def sp_xlogy(x, y):
    return np.sum(special.xlogy(x, y))


def sp_xlog1py(x, y):
    return np.sum(special.xlog1py(x, y))


def sp_i0(x):
    return np.sum(special.i0(x))


def sp_i1(x):
    return np.sum(special.i1(x))


def sp_iv(x):
    return np.sum(special.iv(2, x) + special.iv(0, x))


def sp_iv_half(x):
    return np.sum(special.iv(1.5, x))


def sp_ive(x):
    return np.sum(special.ive(1, x) + special.ive(3, x))


def sp_ive_half(x):
    return np.sum(special.ive(0.5, x))


def sp_j0(x):
    return np.sum(special.j0(x))


def sp_j1(x):
    return np.sum(special.j1(x))


def sp_jv(x):
    return np.sum(special.jv(2, x) * x)


def sp_jv_half(x):
    return np.sum(special.jv(2.5, x))


def sp_jn(x):
    return np.sum(special.jn(3, x))


def sp_y0(x):
    return np.sum(special.y0(x))


def sp_y1(x):
    return np.sum(special.y1(x))


def sp_yn(x):
    return np.sum(special.yn(2, x))


# --- scipy.special, along an axis ---------------------------------------------------------


def sp_softmax(x):
    return np.sum(special.softmax(x) * np.arange(4.0))


def sp_softmax_all(x):
    return np.sum(special.softmax(x) * _W)


def sp_softmax_axis0(x):
    return np.sum(special.softmax(x, axis=0) * _W)


def sp_softmax_axis1(x):
    return np.sum(special.softmax(x, 1) * _W)


def sp_softmax_axes(x):
    return np.sum(special.softmax(x, axis=(0, 2)) * _WT)


def sp_softmax_square(x):
    return np.sum(special.softmax(x, axis=-1) ** 2)


def sp_log_softmax(x):
    return np.sum(special.log_softmax(x) * np.arange(4.0))


def sp_log_softmax_axis0(x):
    return np.sum(special.log_softmax(x, axis=0) * _W)


def sp_log_softmax_axis1(x):
    return np.sum(special.log_softmax(x, axis=-1) * _W)


def sp_log_softmax_all(x):
    return np.sum(special.log_softmax(x) * _W)


def sp_log_softmax_sum(x):
    return np.sum(special.log_softmax(x, axis=1))


def sp_logsumexp(x):
    return special.logsumexp(x)


def sp_logsumexp_axis0(x):
    return np.sum(special.logsumexp(x, axis=0) * np.array([1.0, -2.0, 0.5]))


def sp_logsumexp_axis1(x):
    return np.sum(special.logsumexp(x, 1) ** 2)


def sp_logsumexp_keepdims(x):
    return np.sum(special.logsumexp(x, axis=-1, keepdims=True) * x)


def sp_logsumexp_full_keepdims(x):
    return np.sum(special.logsumexp(x, keepdims=True) * x)


def sp_logsumexp_axes(x):
    return np.sum(special.logsumexp(x, axis=(0, 2)) * np.array([1.0, 2.0, -1.0]))


def sp_logsumexp_b(a, b):
    return special.logsumexp(a, b=b)


def sp_logsumexp_b_axis(a, b):
    return np.sum(special.logsumexp(a, axis=1, b=b) * np.array([1.0, -0.5]))


def sp_logsumexp_b_keepdims(a, b):
    return np.sum(special.logsumexp(a, 0, b, True) ** 2)


def sp_logsumexp_b_none(x):
    return special.logsumexp(x, b=None, return_sign=False)


def sp_logsumexp_stable(x):
    return special.logsumexp(x * 1000.0)


_LARGE = np.array([1.0, 1.001, 0.999, 0.7])


# --- scipy.stats ---------------------------------------------------------------------------


def st_norm_logpdf(x, loc, scale):
    return np.sum(stats.norm.logpdf(x, loc, scale))


def st_norm_logpdf_std(x):
    return np.sum(stats.norm.logpdf(x))


def st_norm_logpdf_kw(x, scale):
    return np.sum(stats.norm.logpdf(x, scale=scale))


def st_norm_pdf(x, loc, scale):
    return np.sum(stats.norm.pdf(x, loc, scale))


def st_norm_pdf_kw(x, loc):
    return np.sum(stats.norm.pdf(x, loc=loc))


def st_norm_cdf(x, loc, scale):
    return np.sum(stats.norm.cdf(x, loc, scale))


def st_norm_cdf_std(x):
    return np.sum(stats.norm.cdf(x))


def st_norm_sf(x, loc, scale):
    return np.sum(stats.norm.sf(x, loc, scale))


def st_norm_logcdf(x, loc, scale):
    return np.sum(stats.norm.logcdf(x, loc, scale))


def st_norm_logcdf_tail(x):
    return np.sum(stats.norm.logcdf(x))


def st_norm_logsf(x, loc, scale):
    return np.sum(stats.norm.logsf(x, loc, scale))


def st_norm_logsf_tail(x):
    return np.sum(stats.norm.logsf(x))


def st_t_logpdf(x, df, loc, scale):
    return np.sum(stats.t.logpdf(x, df, loc, scale))


def st_t_logpdf_std(x, df):
    return np.sum(stats.t.logpdf(x, df))


def st_t_pdf(x, df, loc, scale):
    return np.sum(stats.t.pdf(x, df, loc, scale))


def st_t_cdf(x, loc, scale):
    return np.sum(stats.t.cdf(x, 3.5, loc, scale))


def st_t_sf(x, loc, scale):
    return np.sum(stats.t.sf(x, 2.5, loc, scale=scale))


def st_t_logcdf(x, loc, scale):
    return np.sum(stats.t.logcdf(x, 4.0, loc, scale))


def st_t_logsf(x, loc, scale):
    return np.sum(stats.t.logsf(x, 1.5, loc, scale))


def st_beta_logpdf(x, a, b):
    return np.sum(stats.beta.logpdf(x, a, b))


def st_beta_pdf(x, a, b):
    return np.sum(stats.beta.pdf(x, a, b))


def st_beta_logpdf_uniform_edge(x, b):
    return np.sum(stats.beta.logpdf(x, 1.0, b))


def st_beta_cdf(x):
    return np.sum(stats.beta.cdf(x, 2.5, 0.7))


def st_beta_sf(x):
    return np.sum(stats.beta.sf(x, 2.5, 1.5))


def st_beta_logcdf(x):
    return np.sum(stats.beta.logcdf(x, 0.8, 1.5))


def st_beta_logsf(x):
    return np.sum(stats.beta.logsf(x, 3.0, 1.2))


def st_gamma_logpdf(x, a):
    return np.sum(stats.gamma.logpdf(x, a))


def st_gamma_pdf(x, a):
    return np.sum(stats.gamma.pdf(x, a))


def st_gamma_logpdf_exponential_edge(x):
    return np.sum(stats.gamma.logpdf(x, 1.0))


def st_gamma_cdf(x):
    return np.sum(stats.gamma.cdf(x, 2.5))


def st_gamma_sf(x):
    return np.sum(stats.gamma.sf(x, 0.7))


def st_gamma_logcdf(x):
    return np.sum(stats.gamma.logcdf(x, 1.5))


def st_gamma_logsf(x):
    return np.sum(stats.gamma.logsf(x, 3.0))


def st_chi2_logpdf(x, df):
    return np.sum(stats.chi2.logpdf(x, df))


def st_chi2_pdf(x, df):
    return np.sum(stats.chi2.pdf(x, df))


def st_chi2_cdf(x):
    return np.sum(stats.chi2.cdf(x, 3.0))


def st_chi2_cdf_df(x, df):
    return np.sum(stats.chi2.cdf(x, df) * x)


def st_chi2_sf(x):
    return np.sum(stats.chi2.sf(x, 2.5))


def st_chi2_logcdf(x):
    return np.sum(stats.chi2.logcdf(x, 1.5))


def st_chi2_logsf(x):
    return np.sum(stats.chi2.logsf(x, 4.0))


_K = np.array([0, 1, 3, 7])
_K_FRACTION = np.array([0.0, 1.5, 3.0, 6.2])


def st_poisson_logpmf(mu):
    return np.sum(stats.poisson.logpmf(_K, mu))


def st_poisson_pmf(mu):
    return np.sum(stats.poisson.pmf(_K, mu))


def st_poisson_pmf_fraction(mu):
    return np.sum(stats.poisson.pmf(_K_FRACTION, mu))


def st_poisson_cdf(mu):
    return np.sum(stats.poisson.cdf(_K_FRACTION, mu))


def st_poisson_sf(mu):
    return np.sum(stats.poisson.sf(_K, mu))


def st_poisson_logcdf(mu):
    return np.sum(stats.poisson.logcdf(_K_FRACTION, mu))


def st_poisson_logsf(mu):
    return np.sum(stats.poisson.logsf(_K, mu))


def st_dirichlet_logpdf(x, alpha):
    return stats.dirichlet.logpdf(x, alpha)


def st_dirichlet_logpdf_softmax(u, alpha):
    return stats.dirichlet.logpdf(special.softmax(u), alpha)


def st_dirichlet_logpdf_points(u, alpha):
    points = special.softmax(u, axis=0)
    return np.sum(stats.dirichlet.logpdf(points, alpha) * np.array([1.0, -2.0]))


def st_dirichlet_pdf(x, alpha):
    return stats.dirichlet.pdf(x, alpha)


def st_dirichlet_pdf_softmax(u, alpha):
    return stats.dirichlet.pdf(special.softmax(u), alpha)


def st_mvn_logpdf(x, mean, cov):
    return stats.multivariate_normal.logpdf(x, mean, cov)


def st_mvn_logpdf_factor(x, mean, a):
    return stats.multivariate_normal.logpdf(x, mean, a @ a.T + np.eye(3))


def st_mvn_logpdf_points(x, mean, a):
    return np.sum(stats.multivariate_normal.logpdf(x, mean=mean, cov=a @ a.T + np.eye(3))
                  * np.array([1.0, -0.5, 2.0, 0.3]))


def st_mvn_pdf(x, mean, cov):
    return stats.multivariate_normal.pdf(x, mean, cov)


def st_mvn_pdf_points(x, mean, a):
    return np.sum(stats.multivariate_normal.pdf(x, mean, a @ a.T + np.eye(3),
                                                allow_singular=False))


def st_mvn_entropy(cov):
    return stats.multivariate_normal.entropy(_MEAN, cov)


def st_mvn_entropy_factor(a):
    return stats.multivariate_normal.entropy(cov=a @ a.T + np.eye(3))


def st_mvn_entropy_mean(mean, a):
    return stats.multivariate_normal.entropy(mean, a @ a.T + 0.5 * np.eye(3)) * np.sum(mean)


_A = np.array([[1.0, 0.2, -0.3], [0.4, 0.8, 0.1], [-0.2, 0.5, 1.1]])
_COV = _A @ _A.T + np.eye(3)
_MEAN = np.array([0.1, -0.4, 0.3])
_XS = np.array([[0.5, -0.2, 1.0], [0.0, 0.3, -0.8], [1.2, 0.4, 0.1], [-0.6, -0.9, 0.2]])
_ALPHA = np.array([1.5, 2.0, 3.5])
_SIMPLEX = np.array([0.2, 0.3, 0.5])


CASES = {} if special is None else {
    "scipy.special.expit": [R(sp_expit, _X), R(sp_expit, 0.7), R(sp_expit, _M),
                            R(sp_expit, np.array([-30.0, 0.0, 30.0]))],
    "scipy.special.logit": [R(sp_logit, _U), R(sp_logit, 0.3), R(sp_logit, _UM)],
    "scipy.special.erf": [R(sp_erf, _X), R(sp_erf, 0.0), R(sp_erf, _M)],
    "scipy.special.erfc": [R(sp_erfc, _X), R(sp_erfc, -0.4), R(sp_erfc, np.array([0.0, 5.0]))],
    "scipy.special.erfinv": [R(sp_erfinv, np.array([-0.9, -0.2, 0.0, 0.6])),
                             R(sp_erfinv, 0.5)],
    "scipy.special.erfcinv": [R(sp_erfcinv, np.array([0.1, 0.7, 1.0, 1.8])),
                              R(sp_erfcinv, 0.4)],
    "scipy.special.gamma": [R(sp_gamma, _P), R(sp_gamma, 3.2),
                            R(sp_gamma, np.array([-0.5, -1.5, -2.3]))],
    "scipy.special.gammaln": [R(sp_gammaln, _P), R(sp_gammaln, _PM * 10.0),
                              R(sp_gammaln, np.array([-0.5, -1.5, -2.3]))],
    "scipy.special.rgamma": [R(sp_rgamma, _X), R(sp_rgamma, 3.2), R(sp_rgamma, _PM * 10.0),
                             # the poles of gamma (autograd: NaN): central differences
                             R(sp_rgamma, np.array([0.0, -1.0, -2.0, -3.5]),
                               expected=lambda x: fd_grad(sp_rgamma, (x,)))],
    "scipy.special.gammasgn": [R(sp_gammasgn, _X), R(sp_gammasgn, -2.5), R(sp_gammasgn, _M)],
    "scipy.special.digamma": [R(sp_digamma, _P), R(sp_digamma, 4.5), R(sp_psi, _PM),
                              R(sp_digamma, np.array([-0.5, -1.5]))],
    "scipy.special.polygamma": [R(sp_polygamma0, _P), R(sp_polygamma2, _P),
                                R(sp_polygamma2, 1.3), R(sp_polygamma_orders, _P)],
    "scipy.special.multigammaln": [R(sp_multigammaln, 3.2), R(sp_multigammaln, 1.05),
                                   R(sp_multigammaln_array, np.array([2.5, 4.0, 0.6]))],
    "scipy.special.beta": [R(sp_beta, _P, _P[::-1], wrt=(0, 1)),
                           R(sp_beta, _PM, np.array([0.5, 1.5, 2.0]), wrt=(0, 1)),
                           R(sp_beta, 2.5, _P, wrt=(0, 1))],
    "scipy.special.betaln": [R(sp_betaln, _P, _P[::-1], wrt=(0, 1)),
                             R(sp_betaln, _PM, 1.7, wrt=(0, 1))],
    "scipy.special.gammainc": [R(sp_gammainc, _P), R(sp_gammainc_a, _PM, 1.4, wrt=1),
                               # x = 0: the density of a = 1 is 1 there, of a > 1 is 0
                               R(sp_gammainc_a, np.array([1.0, 2.0]), np.array([0.0, 0.0]),
                                 wrt=1, fd=False)],
    "scipy.special.betainc": [R(sp_betainc, _U), R(sp_betainc, _UM),
                              R(sp_betainc_ab, _P, 1.5, _U, wrt=2),
                              R(sp_betainc_ab, 2.0, _PM, _UM, wrt=2),
                              # the ends: the density of a = 1 is b at 0, of b = 1 is a at 1
                              R(sp_betainc_ab, np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 1.0]),
                                np.array([0.0, 1.0, 1.0]), wrt=2, fd=False)],
    "scipy.special.gammaincc": [R(sp_gammaincc, _P), R(sp_gammaincc_a, 0.6, _PM, wrt=1),
                                R(sp_gammaincc_a, np.array([1.0, 3.0]), np.array([0.0, 0.0]),
                                  wrt=1, fd=False)],
    "scipy.special.xlogy": [R(sp_xlogy, _X, _P, wrt=(0, 1)), R(sp_xlogy, _M, 2.5, wrt=(0, 1)),
                            # x = 0: the derivative in x is log(y), in y 0
                            R(sp_xlogy, np.array([0.0, 0.0, 1.5]), np.array([0.5, 2.0, 1.0]),
                              wrt=(0, 1))],
    "scipy.special.xlog1py": [R(sp_xlog1py, _X, _U, wrt=(0, 1)),
                              R(sp_xlog1py, np.array([0.0, 0.0, 2.0]),
                                np.array([-0.5, 0.0, 1.0]), wrt=(0, 1))],
    "scipy.special.i0": [R(sp_i0, _X), R(sp_i0, 0.0), R(sp_i0, _M)],
    "scipy.special.i1": [R(sp_i1, _X), R(sp_i1, 0.0)],
    "scipy.special.iv": [R(sp_iv, _X), R(sp_iv_half, _P), R(sp_iv, 0.0)],
    "scipy.special.ive": [R(sp_ive, _X), R(sp_ive_half, _P),
                          # x = 0 (autograd's rule divides by x): central differences
                          R(sp_ive, 0.0, expected=lambda x: fd_grad(sp_ive, (x,)))],
    "scipy.special.j0": [R(sp_j0, _X), R(sp_j0, 0.0)],
    "scipy.special.j1": [R(sp_j1, _X), R(sp_j1, _M * 4.0)],
    "scipy.special.jv": [R(sp_jv, _X), R(sp_jv_half, _P), R(sp_jn, _M)],
    "scipy.special.y0": [R(sp_y0, _P), R(sp_y0, 7.5)],
    "scipy.special.y1": [R(sp_y1, _P)],
    "scipy.special.yn": [R(sp_yn, _P), R(sp_yn, _PM)],
    "scipy.special.softmax": [R(sp_softmax, _X), R(sp_softmax_all, _M),
                              R(sp_softmax_axis0, _M), R(sp_softmax_axis1, _M),
                              R(sp_softmax_axes, _T), R(sp_softmax_square, _M)],
    "scipy.special.log_softmax": [R(sp_log_softmax, _X), R(sp_log_softmax_axis0, _M),
                                  R(sp_log_softmax_axis1, _M), R(sp_log_softmax_all, _M),
                                  R(sp_log_softmax_sum, _M)],
    "scipy.special.logsumexp": [R(sp_logsumexp, _X), R(sp_logsumexp, _M),
                                R(sp_logsumexp_axis0, _M), R(sp_logsumexp_axis1, _M),
                                R(sp_logsumexp_keepdims, _M), R(sp_logsumexp_full_keepdims, _M),
                                R(sp_logsumexp_axes, _T), R(sp_logsumexp_stable, _LARGE),
                                R(sp_logsumexp_b, _X, _P, wrt=(0, 1)),
                                R(sp_logsumexp_b_axis, _M, np.array([0.5, 1.0, 2.0]),
                                  wrt=(0, 1)),
                                R(sp_logsumexp_b_axis, _X[:3], _PM, wrt=(0, 1)),
                                R(sp_logsumexp_b_keepdims, _M, _PM, wrt=(0, 1)),
                                R(sp_logsumexp_b_none, _X)],
    "scipy.stats.norm.logpdf": [R(st_norm_logpdf, _X, 0.3, 1.7, wrt=(0, 1, 2)),
                                R(st_norm_logpdf, _M, np.array([0.1, -0.2, 0.5]), _PM,
                                  wrt=(0, 1, 2)),
                                R(st_norm_logpdf_std, _X), R(st_norm_logpdf_kw, _X, 0.6,
                                                             wrt=(0, 1))],
    "scipy.stats.norm.pdf": [R(st_norm_pdf, _X, 0.3, 1.7, wrt=(0, 1, 2)),
                             R(st_norm_pdf_kw, _M, 0.4, wrt=(0, 1))],
    "scipy.stats.norm.cdf": [R(st_norm_cdf, _X, -0.3, 0.8, wrt=(0, 1, 2)),
                             R(st_norm_cdf, 0.5, _P, 2.0, wrt=(0, 1, 2)),
                             R(st_norm_cdf_std, _M)],
    "scipy.stats.norm.sf": [R(st_norm_sf, _X, 0.3, 1.2, wrt=(0, 1, 2))],
    "scipy.stats.norm.logcdf": [R(st_norm_logcdf, _X, 0.3, 1.7, wrt=(0, 1, 2)),
                                R(st_norm_logcdf_tail, np.array([-12.0, -3.0, 0.0, 6.0]))],
    "scipy.stats.norm.logsf": [R(st_norm_logsf, _X, 0.3, 1.7, wrt=(0, 1, 2)),
                               R(st_norm_logsf_tail, np.array([12.0, 3.0, 0.0, -6.0]))],
    "scipy.stats.t.logpdf": [R(st_t_logpdf, _X, 3.5, 0.2, 1.4, wrt=(0, 1, 2, 3)),
                             R(st_t_logpdf, _M, _PM, -0.3, 0.9, wrt=(0, 1, 2, 3)),
                             R(st_t_logpdf_std, _X, 1.0, wrt=(0, 1))],
    "scipy.stats.t.pdf": [R(st_t_pdf, _X, 2.5, -0.2, 1.4, wrt=(0, 1, 2, 3))],
    "scipy.stats.t.cdf": [R(st_t_cdf, _X, 0.2, 1.4, wrt=(0, 1, 2)),
                          R(st_t_cdf, _M, 0.0, 1.0, wrt=(0, 1, 2))],
    "scipy.stats.t.sf": [R(st_t_sf, _X, 0.2, 1.4, wrt=(0, 1, 2))],
    "scipy.stats.t.logcdf": [R(st_t_logcdf, _X, 0.2, 1.4, wrt=(0, 1, 2))],
    "scipy.stats.t.logsf": [R(st_t_logsf, _X, 0.2, 1.4, wrt=(0, 1, 2))],
    "scipy.stats.beta.logpdf": [R(st_beta_logpdf, _U, 2.5, 0.7, wrt=(0, 1, 2)),
                                R(st_beta_logpdf, _UM, _P[:3], 1.3, wrt=(0, 1, 2)),
                                # a = 1: finite at x = 0 (autograd's formula: 0 / 0)
                                R(st_beta_logpdf_uniform_edge, np.array([0.0, 0.4]), 2.5,
                                  wrt=(0, 1), fd=False,
                                  expected=lambda x, b: (-(b - 1) / (1 - x),
                                                         np.sum(np.log1p(-x)) + np.size(x) / b))],
    "scipy.stats.beta.pdf": [R(st_beta_pdf, _U, 2.5, 1.7, wrt=(0, 1, 2))],
    "scipy.stats.beta.cdf": [R(st_beta_cdf, _U), R(st_beta_cdf, 0.4)],
    "scipy.stats.beta.sf": [R(st_beta_sf, _U)],
    "scipy.stats.beta.logcdf": [R(st_beta_logcdf, _U)],
    "scipy.stats.beta.logsf": [R(st_beta_logsf, _UM)],
    "scipy.stats.gamma.logpdf": [R(st_gamma_logpdf, _P, 2.5, wrt=(0, 1)),
                                 R(st_gamma_logpdf, _PM, _P[:3], wrt=(0, 1)),
                                 # a = 1 (the exponential): finite at x = 0
                                 R(st_gamma_logpdf_exponential_edge, np.array([0.0, 1.5]),
                                   fd=False, expected=lambda x: -np.ones_like(x))],
    "scipy.stats.gamma.pdf": [R(st_gamma_pdf, _P, 1.5, wrt=(0, 1))],
    "scipy.stats.gamma.cdf": [R(st_gamma_cdf, _P), R(st_gamma_cdf, 4.0)],
    "scipy.stats.gamma.sf": [R(st_gamma_sf, _P)],
    "scipy.stats.gamma.logcdf": [R(st_gamma_logcdf, _PM)],
    "scipy.stats.gamma.logsf": [R(st_gamma_logsf, _P)],
    "scipy.stats.chi2.logpdf": [R(st_chi2_logpdf, _P, 3.0, wrt=(0, 1)),
                                R(st_chi2_logpdf, _P, 2.7, wrt=(0, 1)),
                                R(st_chi2_logpdf, _PM, _P[:3] * 2.0, wrt=(0, 1)),
                                # df = 2 (the exponential): finite at x = 0
                                R(st_chi2_logpdf, np.array([0.0, 1.5]), 2.0, fd=False,
                                  expected=lambda x, df: np.full_like(x, -0.5))],
    "scipy.stats.chi2.pdf": [R(st_chi2_pdf, _P, 4.5, wrt=(0, 1)),
                             R(st_chi2_pdf, _PM, np.array([1.0, 2.0, 5.0]), wrt=(0, 1)),
                             # off the support the density is 0, and so are its partials
                             # (the oracle's log: NaN there): central differences
                             R(st_chi2_pdf, np.array([-1.0, -0.2, 0.7]), 3.0, wrt=(0, 1),
                               expected=lambda x, df: fd_grad(st_chi2_pdf, (x, df), (0, 1)))],
    "scipy.stats.chi2.cdf": [R(st_chi2_cdf, _P), R(st_chi2_cdf, 0.4), R(st_chi2_cdf, _PM),
                             R(st_chi2_cdf_df, _P, 1.5), R(st_chi2_cdf_df, _UM, _P[:3])],
    "scipy.stats.chi2.sf": [R(st_chi2_sf, _P)],
    "scipy.stats.chi2.logcdf": [R(st_chi2_logcdf, _PM)],
    "scipy.stats.chi2.logsf": [R(st_chi2_logsf, _P)],
    "scipy.stats.poisson.logpmf": [R(st_poisson_logpmf, 2.3), R(st_poisson_logpmf, _P)],
    "scipy.stats.poisson.pmf": [R(st_poisson_pmf, 2.3), R(st_poisson_pmf, _P),
                                R(st_poisson_pmf_fraction, 1.7)],
    "scipy.stats.poisson.cdf": [R(st_poisson_cdf, 2.3), R(st_poisson_cdf, _P)],
    "scipy.stats.poisson.sf": [R(st_poisson_sf, 3.1)],
    "scipy.stats.poisson.logcdf": [R(st_poisson_logcdf, 2.3)],
    "scipy.stats.poisson.logsf": [R(st_poisson_logsf, _P)],
    # (x on the simplex: finite differences move it off, so through a softmax)
    "scipy.stats.dirichlet.logpdf": [R(st_dirichlet_logpdf, _SIMPLEX, _ALPHA, wrt=(0, 1),
                                       fd=False),
                                     R(st_dirichlet_logpdf_softmax, _X[:3], _ALPHA,
                                       wrt=(0, 1)),
                                     R(st_dirichlet_logpdf_points, _M.T, _ALPHA,
                                       wrt=(0, 1))],
    "scipy.stats.dirichlet.pdf": [R(st_dirichlet_pdf, _SIMPLEX, _ALPHA, wrt=(0, 1), fd=False),
                                  R(st_dirichlet_pdf_softmax, _X[:3], _ALPHA, wrt=(0, 1))],
    # (cov is read from its lower triangle: differentiated through a @ a.T + I, or
    # against the oracle only)
    "scipy.stats.multivariate_normal.logpdf": [
        R(st_mvn_logpdf, _XS[0], _MEAN, _COV, wrt=(0, 1, 2), fd=False),
        R(st_mvn_logpdf_factor, _XS[1], _MEAN, _A, wrt=(0, 1, 2)),
        R(st_mvn_logpdf_points, _XS, _MEAN, _A, wrt=(0, 1, 2))],
    "scipy.stats.multivariate_normal.entropy": [
        R(st_mvn_entropy, _COV, fd=False), R(st_mvn_entropy_factor, _A),
        R(st_mvn_entropy_factor, _A * 0.1), R(st_mvn_entropy_mean, _MEAN, _A, wrt=(0, 1))],
    "scipy.stats.multivariate_normal.pdf": [
        R(st_mvn_pdf, _XS[2], _MEAN, _COV, wrt=(0, 1, 2), fd=False),
        R(st_mvn_pdf_points, _XS, _MEAN, _A, wrt=(0, 1, 2))],
}
