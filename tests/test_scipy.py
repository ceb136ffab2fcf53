"""SciPy as an optional dependency: srcdiff without SciPy, the SciPy rules'
refusals, edges where the derivative is infinite, the spellings that resolve
to a rule, and second derivatives through the rules' own derivative code.
(One case per rule, at several points: ``tests/cases/scipy_special.py``.)"""

import pathlib
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import srcdiff

from oracle import check_grad, twin

try:
    import scipy.integrate
    import scipy.linalg
    import scipy.special
    import scipy.stats
    import scipy.stats as st
    from scipy import integrate, linalg, special, stats
    from scipy.stats import norm
except ImportError:
    scipy = integrate = linalg = special = stats = None

needs_scipy = pytest.mark.skipif(scipy is None, reason="SciPy is not installed")
_TESTS = pathlib.Path(__file__).parent


def test_srcdiff_works_without_scipy(tmp_path):
    """With SciPy hidden, srcdiff imports without an error or a warning, declares
    no SciPy rule, and differentiates; the SciPy rule cases are empty."""
    (tmp_path / "user.py").write_text(textwrap.dedent("""
        import numpy as np

        def f(x):
            return np.sum(np.exp(x) * x)
    """))
    script = textwrap.dedent(f"""
        import sys, warnings
        sys.modules["scipy"] = None          # import scipy raises ImportError
        warnings.simplefilter("error")
        sys.path[:0] = [{str(tmp_path)!r}, {str(_TESTS)!r}]
        import numpy as np
        import srcdiff
        from srcdiff import primitives
        assert "srcdiff.rules.scipy_rules" not in sys.modules
        assert "srcdiff.rules.scipy_linalg_rules" not in sys.modules
        assert not [p.name for p in primitives.all_primitives() if "scipy" in p.name]
        from user import f
        x = np.array([0.5, -1.0])
        assert np.allclose(srcdiff.grad(f)(x), np.exp(x) * (1 + x))
        from cases import scipy_integrate, scipy_linalg, scipy_special, all_cases
        assert scipy_special.CASES == scipy_linalg.CASES == scipy_integrate.CASES == {{}}
        all_cases()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok" and not done.stderr


@needs_scipy
def test_scipy_rules_load_when_the_program_uses_scipy(tmp_path):
    """``import srcdiff`` imports no SciPy (a second of import time); the rules
    are declared once the program has imported scipy.special or scipy.stats,
    here by reading the attribute ``scipy.special`` at the transformation."""
    (tmp_path / "user.py").write_text(textwrap.dedent("""
        import numpy as np
        import scipy

        def f(x):
            return np.sum(scipy.special.erf(x))
    """))
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(tmp_path)!r}]
        import numpy as np
        import srcdiff
        assert not [m for m in sys.modules if m.startswith("scipy")]
        from user import f
        assert "scipy.special" not in sys.modules
        x = np.array([0.5, -1.0])
        assert np.allclose(srcdiff.grad(f)(x), 2 / np.sqrt(np.pi) * np.exp(-x * x))
        assert "srcdiff.rules.scipy_rules" in sys.modules
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@needs_scipy
def test_scipy_linalg_rules_load_when_the_program_uses_scipy_linalg(tmp_path):
    """The rules of scipy.linalg and scipy.integrate are declared once the
    program has imported one of them, and not by ``import srcdiff``."""
    (tmp_path / "user.py").write_text(textwrap.dedent("""
        import numpy as np
        from scipy.linalg import solve_triangular

        def f(b):
            return np.sum(solve_triangular(np.array([[2.0, 1.0], [0.0, 4.0]]), b))
    """))
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(tmp_path)!r}]
        import numpy as np
        import srcdiff
        assert not [m for m in sys.modules if m.startswith("scipy")]
        from user import f
        assert np.allclose(srcdiff.grad(f)(np.array([0.5, -1.0])), [0.5, 0.125])
        assert "srcdiff.rules.scipy_linalg_rules" in sys.modules
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# --- refusals: where a derivative would flow and there is none --------------------------


def gammainc_in_a(a, x):
    return special.gammainc(a, x)


def betainc_in_b(b, x):
    return special.betainc(2.0, b, x)


def iv_in_order(v, x):
    return special.iv(v, x)


def t_cdf_in_df(x, df):
    return stats.t.cdf(x, df)


def chi2_cdf_in_df(x, df):
    return stats.chi2.cdf(x, df)


def beta_cdf_in_a(x, a):
    return stats.beta.cdf(x, a, 2.0)


def logsumexp_with_sign(x):
    return special.logsumexp(x, return_sign=True)[0]


def mvn_singular(x):
    return stats.multivariate_normal.logpdf(x, np.zeros(2), np.eye(2), allow_singular=True)


def mvn_default_mean(x):
    return stats.multivariate_normal.logpdf(x)


def frozen_distribution(x):
    return stats.norm(0.0, 2.0).logpdf(x)


def beta_with_loc(x):
    return stats.beta.logpdf(x, 2.0, 3.0, loc=0.1)


def triangular_variable_trans(b, trans):
    return linalg.solve_triangular(np.eye(2) * 2.0, b, trans=trans)


def triangular_overwrite(b):
    return linalg.solve_triangular(np.eye(2) * 2.0, b, overwrite_b=True)


def banded_overwrite(b):
    return linalg.solve_banded((0, 0), np.ones((1, 2)) * 2.0, b, overwrite_ab=True)


def mvn_entropy_default_cov(mean):
    return stats.multivariate_normal.entropy(mean)


def ode_closure(k):
    def decay(y, t):
        return -k * y
    return np.sum(integrate.odeint(decay, np.ones(2), np.array([0.0, 1.0])))


def ode_lambda_closure(k):
    decay = lambda y, t: -k * y  # noqa: E731
    return np.sum(integrate.odeint(decay, np.ones(2), np.array([0.0, 1.0])))


def _decay(y, t, k):
    return -k * y


def ode_full_output(k):
    return np.sum(integrate.odeint(_decay, np.ones(2), np.array([0.0, 1.0]), (k,),
                                   full_output=True)[0])


def norm_entropy(scale):
    return stats.norm.entropy(0.0, scale)


@needs_scipy
@pytest.mark.parametrize("fn,args,wrt,words", [
    (gammainc_in_a, (1.5, 0.3), 0, "argument 'a'"),
    (betainc_in_b, (1.5, 0.3), 0, "argument 'b'"),
    (iv_in_order, (1.5, 0.3), 0, "argument 'v'"),
    (t_cdf_in_df, (0.3, 2.0), 1, "argument 'df'"),
    (beta_cdf_in_a, (0.3, 2.0), 1, "argument 'a'"),
    (chi2_cdf_in_df, (0.3, 2.0), 1, "argument 'df'"),
    (logsumexp_with_sign, (np.ones(3),), 0, "with these arguments"),
    (mvn_singular, (np.ones(2),), 0, "with these arguments"),
    (mvn_default_mean, (np.ones(2),), 0, "with these arguments"),
    (frozen_distribution, (0.3,), 0, ".logpdf()"),
    (beta_with_loc, (0.3,), 0, "with these arguments"),
    (norm_entropy, (0.3,), 0, "stats.norm.entropy"),
    (mvn_entropy_default_cov, (np.ones(2),), 0, "with these arguments"),
    # func reads k, which the derivative flows through: refused (k goes in args)
    (ode_closure, (0.5,), 0, "odeint has no derivative with respect to its argument 'func'"),
    (ode_lambda_closure, (0.5,), 0, "argument 'func'"),
    (ode_full_output, (0.5,), 0, "full_output"),
    (triangular_variable_trans, (np.ones(2), 1), 0, "trans must be a constant"),
    (triangular_overwrite, (np.ones(2),), 0, "overwrite_b=True"),
    (banded_overwrite, (np.ones(2),), 0, "overwrite_ab=True"),
])
def test_refused(fn, args, wrt, words):
    with pytest.raises(srcdiff.NoRuleError) as info:
        srcdiff.grad(fn, wrt=wrt)(*args)
    assert words in str(info.value) and "^" in str(info.value)


@needs_scipy
def test_derivatives_in_other_arguments_are_not_refused():
    """A refused argument that is a constant is no obstacle."""
    assert np.isclose(srcdiff.grad(gammainc_in_a, wrt=1)(1.5, 0.3),
                      np.exp(-0.3) * 0.3 ** 0.5 / special.gamma(1.5))
    assert np.isclose(srcdiff.grad(t_cdf_in_df, wrt=0)(0.3, 2.0), stats.t.pdf(0.3, 2.0))


def sqrtm_sum(a):
    return np.sum(linalg.sqrtm(a))


@needs_scipy
def test_sqrtm_complex_result_refused():
    """A matrix with a negative eigenvalue has a complex square root: refused
    when the derivative runs (its sign is not known before)."""
    with pytest.raises(srcdiff.NoRuleError, match="complex"):
        srcdiff.grad(sqrtm_sum)(np.array([[-1.0, 0.2], [0.0, 2.0]]))
    with pytest.raises(srcdiff.NoRuleError, match="complex"):
        srcdiff.jvp(sqrtm_sum)(np.array([[-1.0, 0.2], [0.0, 2.0]]), np.eye(2))


def mvn_entropy_variances(v):
    return stats.multivariate_normal.entropy(np.zeros(2), v)


@needs_scipy
def test_mvn_entropy_of_variances_refused():
    """cov given as a vector of variances: refused when the derivative runs."""
    with pytest.raises(srcdiff.NoRuleError, match="cov given as a matrix"):
        srcdiff.grad(mvn_entropy_variances)(np.array([1.0, 2.0]))


def banded_stack(ab):
    return np.sum(linalg.solve_banded((1, 0), ab, np.ones((2, 3, 1))))


@needs_scipy
def test_solve_banded_of_a_stack_refused():
    ab = np.ones((2, 2, 3)) + np.array([2.0, 0.0])[:, None]
    try:
        banded_stack(ab)
    except ValueError:
        pytest.skip("this SciPy solves one banded system at a time")
    with pytest.raises(srcdiff.NoRuleError, match="stack of banded matrices"):
        srcdiff.grad(banded_stack)(ab)


def ode_closure_constant(y0):
    k = 0.5

    def decay(y, t):
        return -k * y
    return np.sum(integrate.odeint(decay, y0, np.array([0.0, 1.0])))


@needs_scipy
def test_odeint_closure_over_a_constant():
    """A func that closes over a value the derivative does not flow through is
    differentiated as any func."""
    y0 = np.array([1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(ode_closure_constant)(y0),
                               np.full(2, 1.0 + np.exp(-0.5)), rtol=1e-6)


def ode_second(k):
    return np.sum(integrate.odeint(_decay, np.ones(2), np.array([0.0, 1.0]), (k,)))


@needs_scipy
def test_odeint_second_derivative_refused():
    with pytest.raises(srcdiff.NoRuleError, match="second derivative of scipy.integrate.odeint"):
        srcdiff.hessian(ode_second)(0.5)
    with pytest.raises(srcdiff.NoRuleError, match="second derivative of scipy.integrate.odeint"):
        srcdiff.grad(srcdiff.grad(ode_second))(0.5)


# --- the edges of the domain where the derivative is infinite ---------------------------


def logit_sum(x):
    return np.sum(special.logit(x))


def xlogy_sum(x, y):
    return np.sum(special.xlogy(x, y))


@needs_scipy
def test_logit_at_0_and_1():
    import autograd
    x = np.array([0.0, 1.0, 0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = srcdiff.grad(logit_sum)(x)
        ref = autograd.grad(twin(logit_sum))(x)
    assert np.array_equal(got, ref) and got[0] == got[1] == np.inf


@needs_scipy
def test_xlogy_at_0():
    """x * log(y) is 0 wherever x is 0: no derivative in y there, also at y = 0;
    in x the derivative is log(y) (-inf at y = 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dx, dy = srcdiff.grad(xlogy_sum, wrt=(0, 1))(np.array([0.0, 0.0, 2.0]),
                                                      np.array([0.0, 3.0, 0.0]))
    assert np.array_equal(dx, [-np.inf, np.log(3.0), -np.inf])
    assert np.array_equal(dy, [0.0, 0.0, np.inf])


# --- spellings that resolve to the rules ------------------------------------------------


def spellings(x):
    return (norm.logcdf(x) + st.norm.sf(x, scale=2.0) + scipy.special.erf(x)
            + scipy.stats.t.logpdf(x, 3.0))


@needs_scipy
def test_spellings():
    """``from scipy.stats import norm``, ``import scipy.stats as st``,
    ``scipy.special.erf`` after ``import scipy.special``."""
    x = 0.3
    expected = (np.exp(norm.logpdf(x) - norm.logcdf(x)) - norm.pdf(x, scale=2.0)
                + 2 / np.sqrt(np.pi) * np.exp(-x * x) - 4.0 * x / (3.0 + x * x))
    assert np.isclose(srcdiff.grad(spellings)(x), expected)


# --- second derivatives (the derivative code calls the rules again) ------------------------


def h_digamma(x):
    return np.sum(special.digamma(x) * x + special.gammaln(x))


def h_bessel(x):
    return np.sum(special.i1(x) * special.j0(x) + special.ive(2, x))


def h_logsumexp(x):
    return special.logsumexp(x) + np.sum(special.logsumexp(x * x, axis=0))


def h_softmax(x):
    return np.sum(special.softmax(x, axis=1) * np.arange(6.0).reshape(2, 3)) \
        + np.sum(special.log_softmax(x, axis=0) ** 2)


def h_norm(x):
    return np.sum(stats.norm.logcdf(x, 0.2, 1.3) + stats.norm.pdf(x) * x)


def h_t(x):
    return np.sum(stats.t.logpdf(x, 3.0) + stats.t.cdf(x, 2.5, 0.1, 1.2))


def h_chi2(x):
    return np.sum(stats.chi2.logpdf(x, 3.5) + stats.chi2.cdf(x, 2.5) * x)


def h_rgamma_betainc(x):
    return np.sum(special.rgamma(x) + special.betainc(1.5, 2.5, x / 4.0))


def h_mvn(x):
    return stats.multivariate_normal.logpdf(x, np.array([0.1, -0.2]),
                                            np.array([[1.5, 0.3], [0.3, 0.8]]))


def h_triangular(x):
    a = np.array([[2.0, 0.5, -0.3], [0.0, 1.5, 0.2], [0.0, 0.0, 3.0]]) + np.diag(x)
    return np.sum(linalg.solve_triangular(a, x * x) + linalg.solve_triangular(
        a.T, np.outer(x, x), trans="T", lower=False) ** 2)


def h_sqrtm(x):
    a = np.outer(x, x) + np.eye(3) * 2.0
    return np.sum(linalg.sqrtm(a) * np.arange(9.0).reshape(3, 3))


def h_sylvester(x):
    a = np.diag(x) + 3.0 * np.eye(3)
    return np.sum(linalg.solve_sylvester(a, a.T + np.outer(x, x), np.outer(x, x + 1.0)))


def h_banded(x):
    ab = np.array([[0.0, 0.5, -0.3], [2.0, 1.5, 3.0], [0.4, 0.2, 0.0]]) + np.outer(
        np.ones(3), x)
    return np.sum(linalg.solve_banded((1, 1), ab, x * x) ** 2)


def h_mvn_entropy(x):
    return stats.multivariate_normal.entropy(np.zeros(2), np.outer(x, x) + np.eye(2))


def h_expit(x):
    return np.sum(special.expit(x) * special.erf(x) + special.xlogy(x, x * x + 1.0))


@needs_scipy
@pytest.mark.parametrize("fn,x", [
    (h_digamma, np.array([0.7, 1.9, 3.2])),
    (h_bessel, np.array([0.4, -1.3, 2.2])),
    (h_logsumexp, np.array([[0.3, -1.0, 0.5], [1.2, 0.1, -0.4]])),
    (h_softmax, np.array([[0.3, -1.0, 0.5], [1.2, 0.1, -0.4]])),
    (h_norm, np.array([0.4, -1.3, 2.2])),
    (h_t, np.array([0.4, -1.3, 2.2])),
    (h_chi2, np.array([0.4, 1.3, 2.2])),
    (h_rgamma_betainc, np.array([0.4, 1.3, 2.2])),
    (h_mvn, np.array([0.5, -0.7])),
    (h_expit, np.array([0.4, -1.3, 2.2])),
    (h_triangular, np.array([0.4, -0.3, 1.2])),
    (h_sqrtm, np.array([0.4, -0.3, 1.2])),
    (h_sylvester, np.array([0.4, -0.3, 1.2])),
    (h_banded, np.array([0.4, -0.3, 1.2])),
    (h_mvn_entropy, np.array([0.5, -0.7])),
])
def test_hessian(fn, x):
    import autograd
    np.testing.assert_allclose(srcdiff.hessian(fn)(x), autograd.hessian(twin(fn))(x),
                               rtol=1e-7, atol=1e-9)


def digamma_scalar(x):
    return special.digamma(x)


@needs_scipy
def test_grad_of_grad():
    """Reverse over reverse: the gradient's code calls polygamma, a rule too."""
    assert np.isclose(srcdiff.grad(srcdiff.grad(digamma_scalar))(0.7),
                      special.polygamma(2, 0.7))


def expit_out(x):
    y = np.zeros(3)
    special.expit(x, out=y)
    return np.sum(y * y)


def expit_plain(x):
    y = special.expit(x)
    return np.sum(y * y)


@needs_scipy
def test_ufunc_out():
    """SciPy's ufuncs write into ``out=`` as NumPy's do."""
    x = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(expit_out)(x), check_grad(expit_plain, x))
