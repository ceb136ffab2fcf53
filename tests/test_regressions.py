"""Programs that once gave a wrong gradient or crashed, found by the random
program generator; each is checked against the oracle."""

import numpy as np
import pytest

import srcdiff
from oracle import check_grad


def _h1(p0):
    return np.max(p0) + p0


def mean_of_helper(a0):
    # the scalar adjoint of np.mean must reach the helper with the output's shape
    return np.mean(_h1(a0))


def overwritten_argument(x0):
    for w in [0.5, 0.5, 0.5]:
        x0, acc6 = (0.5, 0.5)
    x0, acc10 = (0.5, 0.5)
    return 2.0 * x0 + acc6 * acc10


def loop_temporary_chain(a0):
    for e1 in a0:
        a0 = np.cos(1.0 + 0.5 * a0)
    return np.sum(a0)


def swap_in_loop(x, y):
    for i in range(3):
        x, y = y, x * 0.5 + y
    return x * y


def test_mean_of_helper():
    check_grad(mean_of_helper, np.array([0.1, 0.2, 0.9, 0.3]))


def test_overwritten_argument():
    check_grad(overwritten_argument, 1.0)


def test_loop_temporary_chain():
    check_grad(loop_temporary_chain, np.array([0.7, 1.3]))


def test_swap_in_loop():
    check_grad(swap_in_loop, 0.3, 1.2, wrt=(0, 1))


# A nested function that reads a value the derivative flows through is itself
# such a value: handed to a function that calls it, the call is differentiated
# or refused, not taken as a constant (the gradient was 0).

def _apply(fn, x):
    return fn(x)


def closure_called_here(k):
    def scale(y):
        return k * y
    return scale(2.0) + scale(k)


def closure_handed_on(k):
    def scale(y):
        return k * y
    return _apply(scale, 2.0)


def lambda_handed_to_numpy(k):
    scale = lambda y: k * y  # noqa: E731
    return np.sum(np.apply_along_axis(scale, 0, np.ones(2)))


def closure_over_a_constant(x):
    c = 3.0

    def scale(y):
        return c * y
    return _apply(scale, 2.0) * x


def test_closure_called_here():
    check_grad(closure_called_here, 0.7)


def test_closure_handed_on_is_refused():
    with pytest.raises(srcdiff.NoRuleError, match="a function passed in as a value"):
        srcdiff.grad(closure_handed_on)(0.5)
    with pytest.raises(srcdiff.NoRuleError, match="apply_along_axis"):
        srcdiff.grad(lambda_handed_to_numpy)(0.5)


def test_closure_over_a_constant():
    check_grad(closure_over_a_constant, 0.7)
