"""Derivatives on arrays of another library (NEP 13/18 dispatch): every corpus
function on ``Strict`` arrays (tests/foreign.py), which refuse to become NumPy
arrays or numbers, gives ``Strict`` gradients equal to the NumPy ones.  The
Dask versions of these tests are in tests/test_dask.py."""

import numpy as np
import pytest

import srcdiff

import foreign
from foreign import Strict


@pytest.mark.parametrize("case,sig,wrt", foreign.corpus_params())
def test_corpus_on_strict_arrays(case, sig, wrt):
    args = case.args(sig, 0)
    strict = tuple(foreign.convert(a, Strict) for a in args)
    try:
        case.fn(*strict)
    except TypeError as e:  # (the function itself makes a NumPy array or a number of one)
        pytest.skip(f"{case.name} itself does not run on arrays of another library: {e}")
    expected = srcdiff.grad(case.fn, wrt=wrt)(*args)
    got = srcdiff.grad(case.fn, wrt=wrt)(*strict)
    for arg, g in foreign.gradients_of(got, strict, wrt):
        if isinstance(arg, Strict):
            assert isinstance(g, Strict), f"the gradient of a Strict argument is {type(g)}"
    assert foreign.close(foreign.unwrap(got), expected)


def loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0) - y * z)


def test_value_and_grad_and_jvp_on_strict_arrays():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), (rng.random(50) > 0.5).astype(float)
    w, b = rng.normal(size=3), 0.3
    value, (dw, db) = srcdiff.value_and_grad(loss, wrt=(0, 1))(w, b, Strict(X), Strict(y))
    expected_value, (ew, eb) = srcdiff.value_and_grad(loss, wrt=(0, 1))(w, b, X, y)
    assert isinstance(dw, Strict)  # (a full reduction of a Strict array is a NumPy scalar)
    assert foreign.close(foreign.unwrap([value, dw, db]), [expected_value, ew, eb])
    v = rng.normal(size=3)
    value, tangent = srcdiff.jvp(loss)(w, b, Strict(X), Strict(y), v)  # (converts nothing)
    assert foreign.close([value, tangent], [expected_value, ew @ v])
