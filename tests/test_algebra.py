"""The optimizer's algebra (srcdiff/algebra.py) on the code it rewrites:
gradients against the oracle, the types and shapes of what it returns, and the
rewritten text itself (the point of the pass is code like a person's)."""

import numpy as np
import pytest

import srcdiff
from oracle import check_grad, oracle_grad


def chain(x):
    return np.cos(x ** 3 * np.exp(x))


def poly(x):
    return x ** 2 * np.sin(x)


def loop(x):
    for i in range(20):
        x = np.sin(x) * 0.9 + 0.1 * x * x
    return x


def slices(x):
    y = np.zeros_like(x)
    y[..., :-1] = x[..., 1:] * 2.0
    y[..., :-1] += x[..., :-1] ** 2
    y[..., 1:] += np.sin(x[..., :-1])
    return np.sum(y * y)


def slices_twin(x):
    """``slices`` without writes, for autograd."""
    zero = 0.0 * x[..., :1]
    head = x[..., 1:] * 2.0 + x[..., :-1] ** 2
    y = np.concatenate([head, zero], axis=-1) + np.concatenate(
        [zero, np.sin(x[..., :-1])], axis=-1)
    return np.sum(y * y)


def logistic(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log(1 + np.exp(-z)) + (1 - y) * z)


def times_one(x):
    y = x * 1.0
    return np.sum(y + x)


def summed_chain(x):
    return np.sum(np.cos(x ** 3 * np.exp(x)))


def summed_poly(x):
    return np.sum(x ** 2 * np.sin(x))


def summed_loop(x):
    for i in range(20):
        x = np.sin(x) * 0.9 + 0.1 * x * x
    return np.sum(x)


SCALAR = {"chain": chain, "poly": poly, "loop": loop}
SUMMED = {"chain": summed_chain, "poly": summed_poly, "loop": summed_loop}


@pytest.mark.parametrize("x", [0.3, -1.2, np.array([0.5, -0.7, 1.1]),
                               np.array([[0.2, 0.4], [-0.9, 1.3]])])
@pytest.mark.parametrize("name", sorted(SCALAR))
def test_scalar_code_gradients(name, x):
    check_grad((SCALAR if np.ndim(x) == 0 else SUMMED)[name], x)


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 1, 4)])
def test_slice_accumulations_merge(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.uniform(-2, 2, size=shape)
    expected = oracle_grad(slices_twin, (x,))
    check_grad(slices, x, expected=expected)


@pytest.mark.parametrize("n,b", [(7, 0.3), (7, np.zeros(7) + 0.1), (1, -0.4)])
def test_logistic_regression(n, b):
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 3))
    w = rng.standard_normal(3)
    y = (rng.random(n) < 0.5).astype(float)
    check_grad(logistic, w, b, X, y, wrt=(0, 1))


def test_integer_input_gives_float_gradient():
    g = srcdiff.grad(times_one)(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])
    g = srcdiff.grad(chain)(1)
    np.testing.assert_allclose(g, oracle_grad(chain, (1.0,)))


def test_written_like_by_hand():
    """No seed multiplications, one statement per adjoint, common factors
    taken out, the loop's adjoint one expression."""
    text = srcdiff.source(poly)
    assert "y_bar" not in text and "1.0 *" not in text, text
    assert text.count("x_bar =") == 1, text
    text = srcdiff.source(loop)
    body = text.split("for i in reversed")[1].split("return")[0]
    assert body.count("x_bar") == 2 and "np.cos(x)" in body, text
    text = srcdiff.source(chain)
    assert text.count("np.sin(") == 1 and text.count("x_bar =") == 1, text
