"""The losses people write first, and the Python they write them in (the
breadth issue): each gradient against autograd (a twin of the same code) and
central finite differences, by ``oracle.check_grad``."""

import collections
import dataclasses

import numpy as np
import pytest
from scipy import special

from oracle import check_grad

rng = np.random.default_rng(11)
X = rng.standard_normal((6, 4))
Y = np.eye(3)[[0, 2, 1, 1, 0, 2]]
W = 0.3 * rng.standard_normal((4, 3))


def softmax_cross_entropy(W, X, Y):
    logits = X @ W
    return np.mean(special.logsumexp(logits, axis=1) - np.sum(Y * logits, axis=1))


def layer_norm(x):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return np.sum(((x - mu) / np.sqrt(var + 1e-5)) ** 2 * np.arange(4.0))


def gaussian_likelihood(L, r):
    cov = L @ L.T + np.eye(3)
    sign, logdet = np.linalg.slogdet(cov)
    return 0.5 * logdet + 0.5 * r @ np.linalg.solve(cov, r)


def attention(q, k, v):
    scores = np.einsum("id,jd->ij", q, k) / 2.0
    weights = special.softmax(scores, axis=1)
    return np.sum(np.einsum("ij,jd->id", weights, v) ** 2)


def stable_logistic(w, X):
    margins = X @ w
    return np.mean(np.logaddexp(0.0, -margins))


def norms(x):
    return np.linalg.norm(x) + np.sum(np.linalg.norm(x.reshape(2, 3), axis=1))


def running(x):
    return np.sum(np.cumsum(x) ** 2)


LOSSES = [(softmax_cross_entropy, (W, X, Y)), (layer_norm, (rng.standard_normal((3, 4)),)),
          (gaussian_likelihood, (rng.standard_normal((3, 3)), rng.standard_normal(3))),
          (attention, (rng.standard_normal((3, 2)), rng.standard_normal((4, 2)),
                       rng.standard_normal((4, 2)))),
          (stable_logistic, (rng.standard_normal(4), X)), (norms, (rng.standard_normal(6),)),
          (running, (rng.standard_normal(5),))]


@pytest.mark.parametrize("f, args", LOSSES, ids=[f.__name__ for f, _ in LOSSES])
def test_first_losses(f, args):
    check_grad(f, *args)


def generator_sum(x):
    return sum(x ** k / (k + 1) for k in range(4))


def generator_sum_array(x):
    return np.sum(sum(x ** k / (k + 1) for k in range(4)))


def list_sum(x):
    return sum([x ** k for k in range(4)])


def dict_comprehension(a, b):
    p = {"a": a, "b": b}
    squares = {k: np.sum(v ** 2) for k, v in p.items()}
    return squares["a"] * squares["b"]


def ufunc_spellings(x, y):
    return np.sum(np.add(x, y) * np.subtract(x, y))


@pytest.mark.parametrize("f, args, wrt", [
    (generator_sum, (0.7,), 0), (generator_sum_array, (np.array([0.3, 1.2]),), 0),
    (list_sum, (0.7,), 0),
    (dict_comprehension, (np.array([1.0, 2.0]), np.array([0.5])), (0, 1)),
    (ufunc_spellings, (np.array([1.0, 2.0]), np.array([0.5, -1.0])), (0, 1))],
    ids=["generator", "generator-array", "list", "dict", "ufuncs"])
def test_the_python_people_write(f, args, wrt):
    check_grad(f, *args, wrt=wrt)


Params = collections.namedtuple("Params", "w b")


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: np.ndarray


def namedtuple_loss(p, x):
    return np.sum(np.tanh(x @ p.w + p.b) ** 2)


def dataclass_loss(layer, x):
    return np.sum(np.tanh(x @ layer.w + layer.b) ** 2)


@pytest.mark.parametrize("f, make", [(namedtuple_loss, Params), (dataclass_loss, Layer)])
def test_parameters_in_a_namedtuple_or_a_dataclass(f, make):
    import srcdiff
    from oracle import fd_grad
    p = make(0.5 * np.ones((3, 2)), np.array([0.1, -0.2]))
    x = rng.standard_normal((4, 3))
    g = srcdiff.grad(f)(p, x)
    assert type(g) is type(p)
    for field in ("w", "b"):
        def part(v, field=field):
            return f(make(**{**{k: getattr(p, k) for k in ("w", "b")}, field: v}), x)
        np.testing.assert_allclose(getattr(g, field), fd_grad(part, (getattr(p, field),), 0),
                                   rtol=1e-6, atol=1e-8)
