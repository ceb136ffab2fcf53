"""Taylor mode (``srcdiff.taylor``, ``srcdiff.derivative`` of order 2 and more):
every Taylor rule against nested autograd derivatives of orders 1 to 6 at
several points (domain edges among them), loops and branches, the fallback to
nested gradients (with its warning), and what is left to nesting (arrays).

Each rule is tested on the argument itself (coefficients 1, 0, 0 ...) and on
``inner(x)``, a rational function whose coefficients are all non-zero, so every
term of each recurrence is exercised."""

import math
import warnings

import autograd
import numpy as np
import pytest

import srcdiff
from srcdiff import derivatives, primitives
from srcdiff.rules import math_rules, operators

from oracle import twin

ORDER = 6


def inner(x):
    return 0.6 * x + 0.1 / (2.0 + x)


# --- one function per rule (two spellings where there are two) --------------------------


def add(x):
    return inner(x) + x


def sub(x):
    return x - inner(x) - 2.0


def neg(x):
    return -inner(x)


def pos(x):
    return +inner(x) * 1.0


def mul(x):
    return inner(x) * x * 3.0


def mul_square(x):
    u = inner(x)
    return u * u


def div(x):
    return (x + 1.0) / inner(x)


def div_constant(x):
    return 2.0 / x + x / 3.0


def np_arith(x):
    u = inner(x)
    return np.divide(np.add(np.multiply(u, x), np.subtract(x, 1.0)), np.true_divide(u, 2.0))


def np_neg_pos(x):
    return np.negative(inner(x)) + np.positive(x)


def pow_int(x):
    return inner(x) ** 3 + x ** 2 + x ** 1 + x ** 0


def pow_int_high(x):
    return inner(x) ** 7


def pow_real(x):
    return inner(x) ** 2.5 + x ** -2


def pow_variable(x):
    return x ** x + 2.0 ** inner(x)


def pow_inactive(x, p=1.7):
    return inner(x) ** p


def np_power(x):
    return np.power(inner(x), 3) + np.power(x, 0.5)


def math_pow(x):
    return math.pow(inner(x), 3) + math.pow(x, 1.5) + math.pow(2.0, x)


def exp(x):
    return np.exp(inner(x)) + math.exp(x)


def exp2(x):
    return np.exp2(inner(x))


def expm1(x):
    return np.expm1(inner(x)) + math.expm1(x)


def log(x):
    return np.log(inner(x)) + math.log(x)


def log2_log10(x):
    return np.log2(inner(x)) + math.log2(x) + np.log10(inner(x)) + math.log10(x)


def log1p(x):
    return np.log1p(inner(x)) + math.log1p(x)


def sin(x):
    return np.sin(inner(x)) + math.sin(x)


def cos(x):
    return np.cos(inner(x)) + math.cos(x)


def tan(x):
    return np.tan(inner(x)) + math.tan(x)


def sinh_cosh(x):
    return np.sinh(inner(x)) + math.sinh(x) + np.cosh(inner(x)) + math.cosh(x)


def tanh(x):
    return np.tanh(inner(x)) + math.tanh(x)


def sqrt(x):
    return np.sqrt(inner(x)) + math.sqrt(x)


def cbrt(x):
    return np.cbrt(inner(x))


def square(x):
    return np.square(inner(x))


def reciprocal(x):
    return np.reciprocal(inner(x))


def arctan(x):
    return np.arctan(inner(x)) + math.atan(x)


def arcsin(x):
    return np.arcsin(inner(x)) + math.asin(x)


def arccos(x):
    return np.arccos(inner(x)) + math.acos(x)


def arcsinh(x):
    return np.arcsinh(inner(x))


def arccosh(x):
    return np.arccosh(inner(x) + 1.0)


def arctanh(x):
    return np.arctanh(inner(x))


def absolute(x):
    return np.abs(inner(x)) + np.fabs(x) + math.fabs(x) + abs(x)


def scaled(x):
    return np.deg2rad(inner(x)) + np.radians(x) + np.rad2deg(x) + np.degrees(x) + float(x)


def copies(x):
    return np.copy(inner(x)) + np.float64(x)


# (function, points, the primitives whose Taylor rules it uses)
RULES = [
    (add, (0.3, -1.2), ["operator.add"]),
    (sub, (0.3, 2.5), ["operator.sub"]),
    (neg, (0.3,), ["operator.neg"]),
    (pos, (0.3,), ["operator.pos"]),
    (mul, (0.3, -0.8), ["operator.mul"]),
    (mul_square, (0.3, 0.0), ["operator.mul"]),
    (div, (0.3, 1.7), ["operator.truediv"]),
    (div_constant, (0.3, -2.5), ["operator.truediv"]),
    (np_arith, (0.3, 1.1), ["numpy.add", "numpy.subtract", "numpy.multiply", "numpy.divide",
                            "numpy.true_divide"]),
    (np_neg_pos, (0.3,), ["numpy.negative", "numpy.positive"]),
    (pow_int, (0.0, 0.7, -1.3), ["operator.pow"]),
    (pow_int_high, (0.0, 1.4), ["operator.pow"]),
    (pow_real, (0.4, 2.0), ["operator.pow"]),
    (pow_variable, (0.5, 1.6), ["operator.pow"]),
    (pow_inactive, (0.5, 1.6), ["operator.pow"]),
    (np_power, (0.5, 1.6), ["numpy.power"]),
    (math_pow, (0.5, 1.6), ["math.pow"]),
    (exp, (0.0, -1.5, 2.0), ["numpy.exp", "math.exp"]),
    (exp2, (0.0, 1.5), ["numpy.exp2"]),
    (expm1, (0.0, 1e-9, -0.7), ["numpy.expm1", "math.expm1"]),
    (log, (0.05, 1.0, 3.0), ["numpy.log", "math.log"]),
    (log2_log10, (0.05, 2.0), ["numpy.log2", "math.log2", "numpy.log10", "math.log10"]),
    (log1p, (0.0, -0.5, 2.0), ["numpy.log1p", "math.log1p"]),
    (sin, (0.0, 1.0, -1.5), ["numpy.sin", "math.sin"]),
    (cos, (0.0, 1.0, -1.5), ["numpy.cos", "math.cos"]),
    (tan, (0.0, 1.0, -1.3), ["numpy.tan", "math.tan"]),
    (sinh_cosh, (0.0, 1.5), ["numpy.sinh", "math.sinh", "numpy.cosh", "math.cosh"]),
    (tanh, (0.0, 0.8, -3.0), ["numpy.tanh", "math.tanh"]),
    (sqrt, (1e-3, 0.5, 4.0), ["numpy.sqrt", "math.sqrt"]),
    (cbrt, (0.5, -1.5), ["numpy.cbrt"]),
    (square, (0.0, 0.5), ["numpy.square"]),
    (reciprocal, (0.5, -1.0), ["numpy.reciprocal"]),
    (arctan, (0.0, 0.9, -3.0), ["numpy.arctan", "math.atan"]),
    (arcsin, (0.0, 0.5, -0.9), ["numpy.arcsin", "math.asin"]),
    (arccos, (0.0, 0.5, -0.9), ["numpy.arccos", "math.acos"]),
    (arcsinh, (0.0, 2.0), ["numpy.arcsinh"]),
    (arccosh, (0.5, 2.0), ["numpy.arccosh"]),
    (arctanh, (0.0, 0.9, -0.9), ["numpy.arctanh"]),
    (absolute, (-0.7, 0.7), ["numpy.absolute", "numpy.fabs", "math.fabs", "builtins.abs"]),
    (scaled, (0.3,), ["numpy.deg2rad", "numpy.radians", "numpy.rad2deg", "numpy.degrees",
                      "builtins.float"]),
    (copies, (0.3,), ["numpy.copy", "numpy.float64"]),
]


def nested_autograd(f, order):
    d = twin(f)
    for _ in range(order):
        d = autograd.grad(d)
    return d


# autograd has no unary plus, np.positive or np.cbrt: the same functions without them
REFERENCE = {pos: lambda x: inner(x) * 1.0,
             np_neg_pos: lambda x: -inner(x) + x,
             cbrt: lambda x: np.sign(inner(x)) * np.abs(inner(x)) ** (1 / 3)}


def check(f, x, order=ORDER, rtol=1e-9):
    got = srcdiff.taylor(f, order=order)(x)
    assert isinstance(got, tuple) and len(got) == order + 1
    assert got[0] == pytest.approx(f(x), rel=1e-14, abs=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # (autograd's own warnings)
        refs = [nested_autograd(REFERENCE.get(f, f), k)(x) for k in range(1, order + 1)]
    for k, (g, ref) in enumerate(zip(got[1:], refs), start=1):
        scale = max(1.0, max(abs(r) for r in refs[:k]))
        assert abs(g - ref) <= rtol * scale, \
            f"{f.__name__} at {x}: order {k}: {g} != {ref}\n" + \
            derivatives.source(f, 0, f"taylor{order}")
    assert srcdiff.derivative(f, order=order)(x) == got[order]


@pytest.mark.parametrize("fn,points,names", RULES, ids=lambda v: getattr(v, "__name__", ""))
def test_rule_against_nested_autograd(fn, points, names):
    with warnings.catch_warnings():
        warnings.simplefilter("error", srcdiff.SrcdiffWarning)  # no fallback here
        for x in points:
            check(fn, x)


def test_every_taylor_rule_is_tested():
    declared = {p.name for p in primitives.all_primitives() if p.series is not None}
    tested = {name for _, _, names in RULES for name in names}
    assert declared - tested == set()
    for variant in list(operators._POWER.values()) + list(math_rules.POW.values()) \
            + [math_rules.LOG[1]]:
        assert variant.series is not None


# --- the coefficients of the argument and of the generated code ---------------------------


def poly(x):
    return 2.0 * x ** 3 - x + 4.0


def test_derivatives_not_coefficients():
    """taylor returns derivatives (not divided by k!): of a cubic, exactly."""
    assert srcdiff.taylor(poly, order=5)(1.5) == (poly(1.5), 12.5, 18.0, 12.0, 0.0, 0.0)


def test_orders_one_to_six_each():
    for order in range(1, 7):
        got = srcdiff.taylor(sin, order=order)(0.4)
        full = srcdiff.taylor(sin, order=6)(0.4)
        np.testing.assert_allclose(got, full[:order + 1], rtol=1e-13)


def test_number_types():
    """ints and NumPy floats are numbers too."""
    expected = srcdiff.taylor(exp, order=3)(2.0)
    np.testing.assert_allclose(srcdiff.taylor(exp, order=3)(2), expected, rtol=1e-14)
    np.testing.assert_allclose(srcdiff.taylor(exp, order=3)(np.float64(2.0)), expected,
                               rtol=1e-14)


def composite(x):
    return np.exp(np.sin(x)) * np.log(1 + x * x) / (2 + np.cos(3 * x))


def test_source_is_short_and_deterministic():
    text = srcdiff.source(composite, mode="taylor6")
    assert len(text.splitlines()) < 100
    assert "_c6" in text and "def composite_taylor(x):" in text
    srcdiff.clear_cache()
    assert srcdiff.source(composite, mode="taylor6") == text


def test_source_reads_like_the_recurrence():
    assert srcdiff.source(poly, mode="taylor2") == (
        "def poly_taylor(x):\n"
        "    t1_power = x * x\n"
        "    t1_power_c1 = 2 * x\n"
        "    t1_c1 = t1_power + t1_power_c1 * x\n"
        "    t1_c2 = t1_power_c1 + x\n"
        "    t2_c1 = 2.0 * t1_c1\n"
        "    t2_c2 = 2.0 * t1_c2\n"
        "    t3_c1 = t2_c1 - 1.0\n"
        "    y = 2.0 * x ** 3 - x + 4.0\n"
        "    return (y, t3_c1, 2 * t2_c2)\n")


# --- control flow -----------------------------------------------------------------------


def newton_sqrt(a):
    x = a
    for i in range(20):
        x = 0.5 * (x + a / x)
    return x


def while_loop(x):
    s = x
    n = 0
    while n < 5:
        s = np.sin(s) + x * s
        n += 1
    return s


def piecewise(x):
    if x > 1.0:
        y = x ** 3
    elif x > 0.0:
        y = np.sin(x) * x
    else:
        y = np.exp(x)
    return y * 2.0


def accumulate(x):
    s = 0.0
    p = 1.0
    for i in range(1, 6):
        p = p * x / i
        s = s + p
    return s


def early_return(x):
    if x < 0.0:
        return -x * x
    t = np.tanh(x)
    return t * x


@pytest.mark.parametrize("fn,points", [
    (newton_sqrt, (0.5, 2.0, 9.0)),
    (while_loop, (0.2, 0.9)),
    (piecewise, (-0.5, 0.5, 1.5)),
    (accumulate, (0.0, 1.3)),
    (early_return, (-0.4, 0.4)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_loops_and_branches(fn, points):
    for x in points:
        check(fn, x)


# --- what is left to nesting ---------------------------------------------------------


def helper(u):
    return np.sin(u) * u


def calls_helper(x):
    return helper(x * x) * x


def packs(x):
    pair = [x, x * x]
    return pair[0] * pair[1]


def no_rule(x):
    return np.logaddexp(x, 0.5 * x)


def test_calls_of_helpers():
    """A called function has Taylor code of its own (taking and returning
    coefficients), without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", srcdiff.SrcdiffWarning)
        check(calls_helper, 0.7)
    text = srcdiff.source(calls_helper, mode="taylor2")
    assert "def helper_taylor(u_c1, u_c2, u):" in text


def test_fallback_warns_and_is_right():
    with pytest.warns(srcdiff.SrcdiffWarning, match="packs.*list or tuple"):
        d3 = srcdiff.derivative(packs, order=3)
    assert d3(0.7) == pytest.approx(6.0)
    with pytest.warns(srcdiff.SrcdiffWarning, match="no_rule.*logaddexp"):
        t = srcdiff.taylor(no_rule, order=2)
    got = t(0.3)
    for k in range(3):
        ref = no_rule(0.3) if k == 0 else nested_autograd(no_rule, k)(0.3)
        assert got[k] == pytest.approx(ref, rel=1e-9)


def summed_cube(x):
    return np.sum(x ** 3)


def test_arrays_keep_nested_behaviour():
    """An array argument goes to nested gradients, as before (whose second
    derivative of an array function is refused: not a scalar output)."""
    with pytest.raises(srcdiff.NonScalarOutputError):
        srcdiff.derivative(summed_cube, order=2)(np.ones(3))
    assert srcdiff.derivative(summed_cube, order=2)(2.0) == pytest.approx(12.0)


def test_domain_errors_as_numpy_gives_them():
    """On numbers the code calls the math module; where that raises (log1p of
    a number below -1) the NumPy code runs, with NumPy's nan for the value,
    as nesting gives; where f itself raises, so does its derivative."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = srcdiff.taylor(log1p_np, order=2)(-2.0)
        ref = srcdiff.grad(srcdiff.grad(log1p_np))(-2.0)
    assert np.isnan(got[0]) and got[2] == ref == -1.0
    with pytest.raises(ValueError):
        srcdiff.derivative(math_log, order=2)(-1.0)


def log1p_np(x):
    return np.log1p(x)


def math_log(x):
    return math.log(x)


def test_grad_of_a_derivative_nests():
    d2 = srcdiff.derivative(exp, order=2)
    assert srcdiff.grad(d2)(0.3) == pytest.approx(srcdiff.derivative(exp, order=3)(0.3),
                                                  rel=1e-12)


def test_order_and_wrt_checked():
    with pytest.raises(srcdiff.OrderError):
        srcdiff.taylor(exp, order=0)
    with pytest.raises(srcdiff.WrtError):
        srcdiff.taylor(exp, order=2, wrt=(0,))


def two_args(a, x):
    return np.sin(a * x) + a


def test_wrt_a_later_argument():
    got = srcdiff.taylor(two_args, order=4, wrt=1)(0.7, 1.1)
    for k in range(1, 5):
        d = lambda x: two_args(0.7, x)  # noqa: E731
        ref = twin(d)
        for _ in range(k):
            ref = autograd.grad(ref)
        assert got[k] == pytest.approx(ref(1.1), rel=1e-9)


def variable_power(x, p=2.0):
    return x ** p + 3.0 / (1.0 + x)


def test_division_by_zero_goes_to_nesting():
    """x ** p with p a variable divides by x in Taylor mode: at x = 0 the
    derivatives come from the nested gradients (whose rule is safe there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # (no nan, no NumPy warning)
        got = srcdiff.taylor(variable_power, order=3)(0.0)
        assert srcdiff.derivative(variable_power, order=2)(np.float64(0.0)) == got[2]
    refs = [nested_autograd(variable_power, k)(0.0) for k in (1, 2, 3)]
    np.testing.assert_allclose(got[1:], refs, rtol=1e-12)
    assert got[2] == pytest.approx(2.0 + 6.0)
    check(variable_power, 0.7)
