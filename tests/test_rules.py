"""One test case (at least) per derivative rule.

``RULE_CASES`` maps every rule name of ``srcdiff.primitives`` to cases
exercising it: either a corpus case name (checked by tests/test_corpus.py at
every point, in reverse and forward mode; not run again here) or an inline
``R(fn, *args, wrt=...)`` (checked here against autograd or ``expected``,
finite differences, and forward mode).  Edge cases and conventions of each
rule: tests/test_edges.py.
``test_every_rule_has_a_case`` fails when the registry has a rule that the
table does not name, so a new rule cannot land without a test.
"""

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import primitives

import corpus
from cases import all_cases
from oracle import check_grad, check_tangent
from rules_support import R


# --- small functions for rules the corpus does not isolate -----------------

def nd_lt(x):
    return np.sum((x < 0.0) * x * x)


def nd_le(x):
    return np.sum((x <= 0.0) * x + (0.0 >= x) * x)


def nd_gt(x):
    return np.sum((x > 0.0) * x * x)


def nd_ge(x):
    return np.sum((x >= 0.0) * x)


def nd_eq(x):
    return np.sum((x == x) * x)


def nd_ne(x):
    return np.sum((x != 0.0) * x * 2.0)


def nd_len(x):
    return np.sum(x) * len(x)


def nd_shape(x):
    return np.sum(x) * x.shape[0]


def nd_ndim(x):
    return np.sum(x) * x.ndim


def nd_size(x):
    return np.sum(x) / x.size


def nd_floor(x):
    return np.sum(np.floor(x) * x)


def nd_ceil(x):
    return np.sum(np.ceil(x) * x)


def nd_round(x):
    return np.sum(np.round(x) * x)


def nd_sign(x):
    return np.sum(np.sign(x) * x)


def nd_math_floor(x):
    return math.floor(x) * x


def nd_math_ceil(x):
    return math.ceil(x) * x


def nd_floordiv(x):
    n = x.size // 2
    return np.sum(x) * n


def nd_mod(x):
    n = x.size % 4
    return np.sum(x) * (n + 1)


def nd_int(x):
    return int(x.size) * np.sum(x)


def nd_zeros_like(x):
    return np.sum(np.zeros_like(x) + x * x)


def nd_ones_like(x):
    return np.sum(np.ones_like(x) * x)


def nd_shape_fn(x):
    return np.sum(x) * np.shape(x)[0]


def nd_bitand(x):
    return np.sum(x) * (x.size & 3)


def nd_bitor(x):
    return np.sum(x) * (x.size | 1)


def nd_bitxor(x):
    return np.sum(x) * (x.size ^ 1)


def nd_lshift(x):
    return np.sum(x) * (1 << x.size)


def nd_rshift(x):
    return np.sum(x) * (x.size >> 1)


def nd_invert(x):
    return np.sum(x) * ~x.size


def nd_slice(x):
    s = slice(1, 3)
    return np.sum(x[s] * x[s])


def nd_not(x):
    return np.sum(np.logical_not(x > 0.0) * x)


def nd_argmax(x):
    return x[np.argmax(x)] * 2.0


def nd_argmin(x):
    return x[np.argmin(x)] * 2.0


def nd_argmax_method(x):
    return x[x.argmax()] * 2.0 + np.sum(x)


def nd_argmin_method(x):
    return x[x.argmin()] * 2.0 + np.sum(x)


def nd_bool(x):
    b = bool(x.size)
    return np.sum(x * x) * b


def nd_type(x):
    if type(x) is not float:
        x = x * 1.5
    return np.sum(x * x)


def nd_isinstance(x):
    k = isinstance(x.size, int)
    return np.sum(x) * (1.0 + k)


def nd_print(x):
    print("value of x:", x)
    return np.sum(x * x)


def nd_range(x):
    r = range(1, x.size)
    return np.sum(x) * len(r)


def nd_round_builtin(x):
    return round(x * 2.0) * x + round(x, 1)


def nd_math_factorial(x):
    return np.sum(x) / math.factorial(x.size)


def nd_math_isfinite(x):
    return (1.0 + math.isfinite(x)) * x


def nd_math_isinf(x):
    return (1.0 + math.isinf(x)) * x * x


def nd_math_isnan(x):
    return (2.0 - math.isnan(x)) * x * x


def nd_math_trunc(x):
    return math.trunc(x) * x


def nd_dtype(x):
    z = np.zeros(x.shape, dtype=x.dtype)
    return np.sum(x * x + z)


def nd_allclose(x):
    same = np.allclose(x, x)
    return np.sum(x) * same


def nd_arange(x):
    return np.sum(x * np.arange(x.size))


def nd_argsort(x):
    return np.sum(np.argsort(x) * x)


def nd_count_nonzero(x):
    return np.count_nonzero(x > 0.0) * np.sum(x)


def nd_empty(x):
    e = np.empty((3,))
    return np.sum(x) * e.shape[0]


def nd_empty_like(x):
    e = np.empty_like(x)
    return np.sum(x * x) * e.size


def nd_equal(x):
    return np.sum(np.equal(x, x) * x)


def nd_not_equal(x):
    return np.sum(np.not_equal(x, 0.0) * x * x)


def nd_greater(x):
    return np.sum(np.greater(x, 0.0) * x * x)


def nd_greater_equal(x):
    return np.sum(np.greater_equal(x, 0.0) * x)


def nd_less(x):
    return np.sum(np.less(x, 0.0) * x * x)


def nd_less_equal(x):
    return np.sum(np.less_equal(x, 0.0) * x)


def nd_eye(x):
    return np.sum((np.eye(x.size) @ x) * x)


def nd_identity(x):
    return np.sum((np.identity(x.size) @ x) * x)


def nd_fix(x):
    return np.sum(np.fix(x) * x)


def nd_rint(x):
    return np.sum(np.rint(x) * x)


def nd_trunc(x):
    return np.sum(np.trunc(x) * x)


def nd_isclose(x):
    return np.sum(np.isclose(x, 0.7) * x + x)


def nd_isfinite(x):
    return np.sum(np.isfinite(x) * x)


def nd_isinf(x):
    return np.sum((1.0 + np.isinf(x)) * x * x)


def nd_isnan(x):
    return np.sum((2.0 - np.isnan(x)) * x)


def nd_linspace(x):
    return np.sum(np.linspace(0.0, 1.0, x.size) * x)


def np_linspace_ends(a, b):
    return np.sum(np.linspace(a, b, 5) ** 2)


def pow_zero_base(y):
    return np.sum(np.power(0.0, y))


def pow_zero_exponent(x):
    return np.sum(x ** 0.0)


def pow_both(x, y):
    return np.sum(x ** y)


def np_add(x, y):
    return np.sum(np.add(x, y) * x)


def np_subtract(x, y):
    return np.sum(np.subtract(x, y) ** 2)


def np_multiply(x, y):
    return np.sum(np.multiply(x, y))


def np_divide(x, y):
    return np.sum(np.divide(x, y))


def np_positive(x):
    return np.sum(np.positive(x) * x)


def np_floor_divide(x):
    return np.sum(x * np.floor_divide(x, 0.5))


def nd_logical_and(x):
    return np.sum(np.logical_and(x > 0.0, x < 1.0) * x)


def nd_logical_or(x):
    return np.sum(np.logical_or(x < -1.0, x > 1.0) * x * x)


def nd_ndim_fn(x):
    return np.sum(x) * np.ndim(x)


def nd_size_fn(x):
    return np.sum(x * x) / np.size(x)


def nd_nonzero(x):
    nz = np.nonzero(x > 0.0)
    return np.sum(x) * len(nz[0])


def nd_ones(x):
    return np.sum(np.ones(x.shape) * x)


def nd_zeros(x):
    return np.sum(np.zeros(x.size) + x * x)


_V = np.array([0.7, -1.3, 2.2, 0.4])
_P = np.array([0.7, 1.3, 2.2, 0.4])
_NZV = np.array([0.7, -1.3, 2.2, -0.4])
_M = np.array([[0.5, -1.2, 0.3], [1.1, 0.2, -0.7]])


def c(name):
    """Reference to a corpus case."""
    corpus.get(name)  # fail early on a typo
    return name


RULE_CASES = {
    # operators
    "operator.add": [c("op_add"), c("bcast_vector_scalar")],
    "operator.sub": [c("op_sub"), c("bcast_column_row")],
    "operator.mul": [c("op_mul"), c("bcast_matrix_row")],
    "operator.truediv": [c("op_truediv")],
    "operator.pow": [c("op_pow_both"), c("op_rpow"), c("op_pow_int_const"),
                     c("op_pow_float_const"),
                     # the edges: 0 ** y, x ** 0 at 0, both 0 (autograd's conventions)
                     R(pow_zero_exponent, np.array([0.0, 1.5]), fd=False),
                     R(pow_zero_exponent, 0.0, fd=False),
                     R(pow_both, np.array([0.0, 2.0, 1.5]), np.array([0.0, 3.0, 2.0]),
                       wrt=(0, 1), fd=False)],

    "operator.neg": [c("op_neg")],
    "operator.pos": [c("op_pos")],
    "operator.floordiv": [R(nd_floordiv, _V)],
    "operator.mod": [R(nd_mod, _V), c("op_mod")],
    "operator.not_": [R(nd_not, _V)],
    "operator.and_": [R(nd_bitand, _V)],
    "operator.or_": [R(nd_bitor, _V)],
    "operator.xor": [R(nd_bitxor, _V)],
    "operator.lshift": [R(nd_lshift, _V)],
    "operator.rshift": [R(nd_rshift, _V)],
    "operator.invert": [R(nd_invert, _V)],
    "builtins.slice": [R(nd_slice, _V)],
    # math
    "math.sin": [c("math_sin")],
    "math.cos": [c("math_cos")],
    "math.tan": [c("math_tan")],
    "math.asin": [c("math_asin")],
    "math.acos": [c("math_acos")],
    "math.atan": [c("math_atan")],
    "math.atan2": [c("math_atan2")],
    "math.sinh": [c("math_sinh")],
    "math.cosh": [c("math_cosh")],
    "math.tanh": [c("math_tanh")],
    "math.exp": [c("math_exp")],
    "math.expm1": [c("math_expm1")],
    "math.log": [c("math_log")],
    "math.log1p": [c("math_log1p")],
    "math.log2": [c("math_log2")],
    "math.log10": [c("math_log10")],
    "math.sqrt": [c("math_sqrt")],
    "math.pow": [c("math_pow")],
    "math.hypot": [c("math_hypot")],
    "math.fabs": [c("math_fabs")],
    "math.floor": [R(nd_math_floor, 1.7), c("nondiff_math_floor")],
    "math.ceil": [R(nd_math_ceil, 1.7)],
    # builtins
    "builtins.abs": [c("builtin_abs")],
    "builtins.min": [c("builtin_min2"), c("builtin_min3")],
    "builtins.max": [c("builtin_max2"), c("builtin_max3"),
                     c("builtin_max_const")],
    "builtins.sum": [c("builtin_sum_tuple"), c("builtin_sum_tuple_var"),
                     c("builtin_sum_tuple_arrays")],
    "builtins.len": [R(nd_len, _V), c("nondiff_len")],
    "builtins.int": [R(nd_int, _V)],
    # numpy elementwise
    "numpy.sin": [c("np_sin")],
    "numpy.cos": [c("np_cos")],
    "numpy.tan": [c("np_tan")],
    "numpy.arcsin": [c("np_arcsin")],
    "numpy.arccos": [c("np_arccos")],
    "numpy.arctan": [c("np_arctan")],
    "numpy.arctan2": [c("np_arctan2")],
    "numpy.sinh": [c("np_sinh")],
    "numpy.cosh": [c("np_cosh")],
    "numpy.tanh": [c("np_tanh")],
    "numpy.exp": [c("np_exp")],
    "numpy.expm1": [c("np_expm1")],
    "numpy.log": [c("np_log")],
    "numpy.log1p": [c("np_log1p")],
    "numpy.log2": [c("np_log2")],
    "numpy.log10": [c("np_log10")],
    "numpy.sqrt": [c("np_sqrt")],
    "numpy.square": [c("np_square")],
    "numpy.power": [c("np_power"), c("np_power_const"),
                    R(pow_zero_base, np.array([2.0, 0.5, 3.0]), fd=False),
                    R(pow_zero_base, 2.0, fd=False)],
    "numpy.remainder": [c("np_remainder")],
    "numpy.sign": [c("np_sign"), R(nd_sign, _NZV)],
    "numpy.maximum": [c("np_maximum"), c("np_maximum_const")],
    "numpy.minimum": [c("np_minimum"), c("np_maximum_const")],
    "numpy.where": [c("np_where"), c("np_where_const")],
    "numpy.clip": [c("np_clip"), c("call_kwargs_numpy")],
    "numpy.absolute": [c("np_absolute"), c("np_abs")],   # np.abs is np.absolute
    "numpy.reciprocal": [c("np_reciprocal")],
    "numpy.negative": [c("np_negative")],
    "numpy.floor": [R(nd_floor, _V), c("nondiff_floor")],
    "numpy.ceil": [R(nd_ceil, _V)],
    "numpy.round": [R(nd_round, _V)],
    "numpy.logical_not": [R(nd_not, _V)],
    "numpy.zeros_like": [R(nd_zeros_like, _V)],
    "numpy.ones_like": [R(nd_ones_like, _V)],
    "numpy.shape": [R(nd_shape_fn, _V)],
    "numpy.argmax": [R(nd_argmax, _V)],
    "numpy.argmin": [R(nd_argmin, _V)],
    # reductions (numpy.sum, mean, prod, max, min: tests/cases/numpy_more.py)
    "numpy.amax": [c("red_amax"), c("red_amax_axis")],
    "numpy.amin": [c("red_amin")],
    # shape (products: tests/cases/linalg.py)
    "numpy.transpose": [c("np_transpose"), c("np_transpose_3d"),
                        c("np_transpose_axes")],
    "numpy.reshape": [c("np_reshape"), c("np_reshape_flat")],
    "numpy.ravel": [c("np_ravel")],
    "numpy.squeeze": [c("np_squeeze")],
    "numpy.expand_dims": [c("np_expand_dims")],
    "numpy.stack": [c("np_stack"), c("np_stack_axis")],
    "numpy.concatenate": [c("np_concatenate"), c("np_concatenate_axis")],
    # indexing
    # ndarray methods and attributes
    "ndarray.sum": [c("meth_sum"), c("meth_sum_axis")],
    "ndarray.mean": [c("meth_mean"), c("meth_mean_axis")],
    "ndarray.T": [c("meth_T")],
    "ndarray.reshape": [c("meth_reshape")],
    "ndarray.shape": [R(nd_shape, _V), c("meth_shape_attrs")],
    "ndarray.ndim": [R(nd_ndim, _V), c("meth_shape_attrs")],
    "ndarray.size": [R(nd_size, _V), c("meth_shape_attrs")],
    "builtins.bool": [R(nd_bool, _V)],
    "builtins.float": [c("builtin_float")],
    "builtins.isinstance": [R(nd_isinstance, _V)],
    "builtins.type": [R(nd_type, _V)],
    "builtins.print": [R(nd_print, _V)],
    "builtins.range": [R(nd_range, _V)],
    "builtins.round": [R(nd_round_builtin, 1.3)],
    "math.factorial": [R(nd_math_factorial, _V)],
    "math.isfinite": [R(nd_math_isfinite, 1.3)],
    "math.isinf": [R(nd_math_isinf, 1.3)],
    "math.isnan": [R(nd_math_isnan, 1.3)],
    "math.trunc": [R(nd_math_trunc, 1.7)],
    "ndarray.argmax": [R(nd_argmax_method, _V)],
    "ndarray.argmin": [R(nd_argmin_method, _V)],
    "ndarray.copy": [c("meth_copy")],
    "ndarray.dtype": [R(nd_dtype, _V)],
    "ndarray.flatten": [c("meth_flatten")],
    "ndarray.max": [c("meth_max"), c("meth_max_axis")],
    "ndarray.min": [c("meth_min")],
    "ndarray.prod": [c("meth_prod")],
    "ndarray.ravel": [c("meth_ravel")],
    "ndarray.squeeze": [c("meth_squeeze")],
    "ndarray.transpose": [c("meth_transpose")],
    "numpy.allclose": [R(nd_allclose, _V)],
    "numpy.argsort": [R(nd_argsort, _V)],
    "numpy.array": [c("np_array_of_scalars"), c("np_array_of_arrays")],
    "numpy.asarray": [c("np_asarray")],
    "numpy.copy": [c("np_copy")],
    "numpy.count_nonzero": [R(nd_count_nonzero, _V)],
    "numpy.empty": [R(nd_empty, _V)],
    "numpy.empty_like": [R(nd_empty_like, _V)],
    "numpy.equal": [R(nd_equal, _V)],
    "numpy.not_equal": [R(nd_not_equal, _V)],
    "numpy.greater": [R(nd_greater, _V)],
    "numpy.greater_equal": [R(nd_greater_equal, _V)],
    "numpy.less": [R(nd_less, _V)],
    "numpy.less_equal": [R(nd_less_equal, _V)],
    "numpy.eye": [R(nd_eye, _V)],
    "numpy.identity": [R(nd_identity, _V)],
    "numpy.fix": [R(nd_fix, _V)],
    "numpy.rint": [R(nd_rint, _V)],
    "numpy.trunc": [R(nd_trunc, _V)],
    "numpy.float64": [c("np_float64")],
    "numpy.hypot": [c("np_hypot")],
    # (x[0] is 0.7: isclose switches 7e-6 away, inside the default step's cross-check)
    "numpy.isclose": [R(nd_isclose, _V, eps=1e-7)],
    "numpy.isfinite": [R(nd_isfinite, _V)],
    "numpy.isinf": [R(nd_isinf, _V)],
    "numpy.isnan": [R(nd_isnan, _V)],
    "numpy.linspace": [R(nd_linspace, _V), R(np_linspace_ends, 0.3, 1.7, wrt=(0, 1))],
    "numpy.add": [R(np_add, _V, 2.0, wrt=(0, 1)),
                  R(np_add, _M, _V[:3], wrt=(0, 1))],
    "numpy.subtract": [R(np_subtract, _M, _V[:3], wrt=(0, 1))],
    "numpy.multiply": [R(np_multiply, _M, _V[:3], wrt=(0, 1))],
    "numpy.divide": [R(np_divide, _M, _P[:3], wrt=(0, 1))],
    "numpy.positive": [R(np_positive, _V, expected=lambda x: 2 * x)],
    "numpy.floor_divide": [R(np_floor_divide, _V)],
    "numpy.logical_and": [R(nd_logical_and, _V)],
    "numpy.logical_or": [R(nd_logical_or, _V)],
    "numpy.ndim": [R(nd_ndim_fn, _V)],
    "numpy.nonzero": [R(nd_nonzero, _V)],
    "numpy.ones": [R(nd_ones, _V)],
    "numpy.size": [R(nd_size_fn, _V)],
    "numpy.zeros": [R(nd_zeros, _V)],
    # srcdiff
    "srcdiff.stop_gradient": [c("stop_grad_fn"), c("stop_grad_module_attr")],
}


# Constructs that reach no registry rule (comparisons and augmented assignment
# are lowered or kept as passive code, subscripts are handled by the
# transformer, np.arange is known but has no derivative rule): tested here
# under their own names, never confused with a rule.
CONSTRUCT_CASES = {
    "augassign": [c("augassign"), c("augassign_array")],
    "compare <": [R(nd_lt, _V)],
    "compare <=": [R(nd_le, _V)],
    "compare >": [R(nd_gt, _V)],
    "compare >=": [R(nd_ge, _V)],
    "compare ==": [R(nd_eq, _V)],
    "compare !=": [R(nd_ne, _V)],
    "subscript": [c("index_int"), c("index_slice"), c("index_column"),
                  c("index_row_and_element"), c("index_block"),
                  c("index_none"), c("index_computed"),
                  c("index_repeated"), c("index_chained")],
    "numpy.arange (constant)": [R(nd_arange, _V)],
}


_EXTRA = all_cases()
assert not set(_EXTRA) & set(RULE_CASES), set(_EXTRA) & set(RULE_CASES)
RULE_CASES.update(_EXTRA)


def _params():
    """The inline cases.  A corpus case named in the tables is not run again here:
    tests/test_corpus.py checks it at every point, in reverse and forward mode
    (it still counts as the rule's case)."""
    out = []
    for table in (RULE_CASES, CONSTRUCT_CASES):
        for rule in sorted(table):
            for entry in table[rule]:
                if not isinstance(entry, str):
                    out.append(pytest.param(rule, entry.fn, entry.args, entry.wrt, entry.fd,
                                            entry.expected, entry.eps, id=f"{rule}:{entry.label}"))
    return out


def _rules():
    """Every primitive with a derivative rule or declared non-differentiable
    (not those declared only for their effects)."""
    return [p for p in primitives.all_primitives()
            if p.nondiff or p.adjoint is not None or p.variants is not None]


def test_registry_is_not_empty():
    rules = _rules()
    assert len(rules) > 10
    for r in rules:
        assert isinstance(r.name, str) and r.name


def test_rule_names_are_unique():
    names = [r.name for r in _rules()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"duplicate rule names: {dupes}"


def test_every_case_names_a_rule():
    """A key of RULE_CASES that is no registry rule would test nothing it
    claims to (constructs go to CONSTRUCT_CASES)."""
    present = {r.name for r in _rules()}
    unknown = sorted(set(RULE_CASES) - present)
    assert not unknown, f"RULE_CASES names no registry rule: {unknown}"
    assert not set(CONSTRUCT_CASES) & present


def test_every_rule_has_a_case():
    # the rules of srcdiff's runtime helpers (what generated code calls) have
    # their cases in tests/test_higher.py (RUNTIME_CASES)
    missing = sorted(r.name for r in _rules() if r.name not in RULE_CASES
                     and not r.name.startswith("srcdiff.runtime"))
    assert not missing, (
        "rules without a test case in tests/test_rules.py RULE_CASES: "
        + ", ".join(missing))


# NumPy 2.5 returns complex arrays from np.linalg.eig also for real eigenvalues:
# srcdiff refuses them (its derivatives are real-valued; test_linalg checks that)
EIG_ALWAYS_COMPLEX = np.linalg.eig(np.eye(2))[0].dtype.kind == "c"


@pytest.mark.parametrize("rule,fn,args,wrt,fd,expected,eps", _params())
def test_rule_case(rule, fn, args, wrt, fd, expected, eps):
    if rule == "numpy.linalg.eig" and EIG_ALWAYS_COMPLEX:
        pytest.skip("this NumPy's eig gives complex arrays for real eigenvalues: refused")
    # the value passes through unchanged (also for 'nondiff' rules) ...
    value, _ = srcdiff.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12,
                               err_msg=srcdiff.source(fn, wrt=wrt))
    # ... and the gradient of the surrounding function matches the oracle
    g = check_grad(fn, *args, wrt=wrt, fd=fd, eps=eps,
                   expected=None if expected is None else expected(*args))
    # ... and forward mode agrees: <grad, v> is the directional derivative along v
    check_tangent(fn, args, wrt, g)


def test_a_misspelt_shape_kind_is_refused():
    with pytest.raises(ValueError, match="shape='scalr'"):
        primitives.Primitive("demo", "demo", shape="scalr")
