"""Code specialised on the arguments: exact shapes for arrays, the math module
for numbers (with NumPy's results where math would raise)."""

import math
import warnings

import numpy as np
import pytest

import srcdiff
from oracle import check_grad


def wave(x):
    return np.cos(x ** 3 * np.exp(x)) + np.sqrt(1.0 + x * x)


def logs(x):
    return np.log(x) + np.exp(x)


def loop(x):
    for i in range(20):
        x = np.sin(x) * 0.9 + 0.1 * x * x
    return x


def _special_texts(g):
    return [f.__srcdiff_unit__.text for f in g.__srcdiff_specializations__.values()]


@pytest.mark.parametrize("f", [wave, loop])
@pytest.mark.parametrize("x", [0.3, -1.1, 2.0])
def test_numbers_use_the_math_module(f, x):
    g = srcdiff.grad(f)
    check_grad(f, x)
    texts = _special_texts(g)
    assert texts and all("math." in t and "np." not in t for t in texts), texts


@pytest.mark.parametrize("x", [np.float64(0.4), np.float32(0.4), 1, np.array(0.4)])
def test_other_numbers(x):
    got = srcdiff.grad(wave)(x)
    want = srcdiff.grad(wave)(float(x))
    assert np.ndim(got) == 0
    assert got == pytest.approx(want, rel=1e-6 if isinstance(x, np.float32) else 1e-12)


@pytest.mark.parametrize("x", [-1.0, 0.0, 1000.0])
def test_numpy_results_where_math_raises(x):
    """math.log(-1.0) raises, np.log gives nan: the derivative gives what the
    NumPy code gives (and warns as NumPy does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = srcdiff.value_and_grad(logs)(x)
        grad = srcdiff.grad(logs)(x)
        want = (np.log(x) + np.exp(x), 1.0 / np.float64(x) + np.exp(x))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(grad, want[1])


def test_value_is_numpy_exact():
    """value_and_grad's value is computed as f computes it (no math module)."""
    value, _ = srcdiff.value_and_grad(wave)(0.7)
    assert value == wave(0.7) and type(value) is type(wave(0.7))


def test_arrays_do_not_use_math():
    g = srcdiff.grad(lambda x: np.sum(np.sin(x)))
    check_grad(lambda x: np.sum(np.sin(x)), np.array([0.1, 0.2]))
    assert all("math." not in t for t in _special_texts(g))


def test_math_calls_of_the_user_stay():
    """The user's own math calls raise as they did."""
    def f(x):
        return math.log(x) * x
    with pytest.raises(ValueError):
        srcdiff.grad(f)(-1.0)


# --- batched accumulation (srcdiff/batching.py) ----------------------------------------

def rnn_list(W, U, b, xs):
    h = np.zeros(W.shape[0])
    for x_t in xs:
        h = np.tanh(W @ h + U @ x_t + b)
    return np.sum(h * h)


def rnn_batch(Wx, Wh, xs):
    h = np.zeros((Wh.shape[0], xs.shape[2]))
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h)
    return np.sum(h)


def outer_some_steps(W, xs):
    total = 0.0
    for i in range(len(xs)):
        if i % 2 == 0:
            total = total + np.sum(np.tanh(W @ xs[i]))
    return total


def _rng_args(*shapes, lists=()):
    rng = np.random.default_rng(3)
    out = [rng.normal(size=s) * 0.3 for s in shapes]
    return out + [[rng.normal(size=s) for _ in range(n)] for s, n in lists]


@pytest.mark.parametrize("f, args, wrt", [
    (rnn_list, _rng_args((5, 5), (5, 3), (5,), lists=[((3,), 6)]), (0, 1, 2)),
    (rnn_list, _rng_args((5, 5), (5, 3), (5,), lists=[((3,), 0)]), (0, 1, 2)),
    (rnn_batch, _rng_args((4, 3), (4, 4), (6, 3, 2)), (0, 1)),
    (outer_some_steps, _rng_args((4, 3), lists=[((3,), 5)]), 0),
])
def test_batched_accumulation(f, args, wrt):
    check_grad(f, *args, wrt=wrt)
    g = srcdiff.grad(f, wrt=wrt)
    g(*args)
    if len(args[-1]) if isinstance(args[-1], list) else True:
        texts = _special_texts(g)
        assert any("np.stack(" in t or "np.concatenate(" in t for t in texts), texts
