"""Benchmark workloads for srcdiff.

Each workload has:

* a *primal*: an ordinary top-level function in plain NumPy returning a scalar.
  srcdiff (and tangent) read its source with ``inspect``; bench.py also execs
  that same source with ``np`` bound to autograd.numpy / jax.numpy / a small
  torch shim to build the peers' twins.  So a primal may only use ``np.*``
  (plus builtins such as ``range`` and ``len``) and must not call helpers
  defined in this module.
* a *hand-written gradient* next to it, in plain NumPy, returning what
  ``srcdiff.grad(primal, wrt=WRT)`` should return: one value for an int
  ``wrt``, a tuple in ``wrt`` order for a tuple ``wrt``.  It is the reference
  every contestant is checked against and the baseline of every ratio.
* an input factory with a fixed seed returning the positional arguments.

``WORKLOADS`` lists them in the order the benchmark runs them.
"""

from dataclasses import dataclass
from typing import Callable, Tuple, Union

import numpy as np


# --------------------------------------------------------------------------
# 1. cos(x**3 * exp(x)) at 1.0
# --------------------------------------------------------------------------

def cos_exp(x):
    return np.cos(x ** 3 * np.exp(x))


def cos_exp_grad(x):
    e = np.exp(x)
    u = x ** 3 * e
    return -np.sin(u) * (3 * x ** 2 * e + u)


def cos_exp_inputs():
    return (1.0,)


# --------------------------------------------------------------------------
# 2. x**2 * sin(x) at 2.0
# --------------------------------------------------------------------------

def sin_poly(x):
    return x ** 2 * np.sin(x)


def sin_poly_grad(x):
    return 2 * x * np.sin(x) + x ** 2 * np.cos(x)


def sin_poly_inputs():
    return (2.0,)


# --------------------------------------------------------------------------
# 3. scalar loop: 100 iterations of x = sin(x)*0.9 + 0.1*x*x, at 0.5
# --------------------------------------------------------------------------

def scalar_loop(x):
    for i in range(100):
        x = np.sin(x) * 0.9 + 0.1 * x * x
    return x


def scalar_loop_grad(x):
    xs = []
    for i in range(100):
        xs.append(x)
        x = np.sin(x) * 0.9 + 0.1 * x * x
    dx = 1.0
    for xi in reversed(xs):
        dx = dx * (0.9 * np.cos(xi) + 0.2 * xi)
    return dx


def scalar_loop_inputs():
    return (0.5,)


# --------------------------------------------------------------------------
# 4. logistic regression, mean log-loss, X 1000x100, gradient wrt (w, b)
#    log(1 + exp(-z)) + (1 - y) * z  ==  log(1 + exp(z)) - y * z
#    (fine numerically here: |z| stays O(1) for these inputs)
# --------------------------------------------------------------------------

def logreg(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log(1 + np.exp(-z)) + (1 - y) * z)


def logreg_grad(w, b, X, y):
    z = X @ w + b
    r = (1 / (1 + np.exp(-z)) - y) / z.shape[0]
    return X.T @ r, np.sum(r)


def logreg_inputs():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((1000, 100))
    w = 0.1 * rng.standard_normal(100)
    b = 0.3
    y = (rng.random(1000) < 0.5).astype(np.float64)
    return (w, b, X, y)


# --------------------------------------------------------------------------
# 5. 784-256-10 tanh MLP, softmax cross-entropy, batch 256,
#    gradient wrt (W1, b1, W2, b2).  Y is one-hot.  The log-sum-exp is not
#    max-shifted: the logits stay O(1) for these inputs.
# --------------------------------------------------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    lse = np.log(np.sum(np.exp(z), axis=1))
    return np.mean(lse - np.sum(Y * z, axis=1))


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    e = np.exp(z)
    dz = (e / np.sum(e, axis=1, keepdims=True) - Y) / X.shape[0]
    dh = (dz @ W2.T) * (1 - h * h)
    return X.T @ dh, np.sum(dh, axis=0), h.T @ dz, np.sum(dz, axis=0)


def mlp_inputs():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((256, 784))
    W1 = rng.standard_normal((784, 256)) / np.sqrt(784)
    b1 = 0.1 * rng.standard_normal(256)
    W2 = rng.standard_normal((256, 10)) / np.sqrt(256)
    b2 = 0.1 * rng.standard_normal(10)
    Y = np.eye(10)[rng.integers(0, 10, 256)]
    return (W1, b1, W2, b2, X, Y)


# --------------------------------------------------------------------------
# 6. vanilla RNN, 50 steps, hidden 128, input 32, loss sum(h_T**2),
#    gradient wrt (Wx, Wh, b).  The primal is a Python for loop.
# --------------------------------------------------------------------------

def rnn(Wx, Wh, b, xs, h):
    for t in range(len(xs)):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
    return np.sum(h ** 2)


def rnn_grad(Wx, Wh, b, xs, h):
    hs = [h]
    for t in range(len(xs)):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
        hs.append(h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dh = 2 * h
    for t in range(len(xs) - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += np.outer(da, xs[t])
        dWh += np.outer(da, hs[t])
        db += da
        dh = Wh.T @ da
    return dWx, dWh, db


def rnn_inputs():
    rng = np.random.default_rng(6)
    Wx = rng.standard_normal((128, 32)) / np.sqrt(32)
    Wh = 0.9 * rng.standard_normal((128, 128)) / np.sqrt(128)
    b = 0.1 * rng.standard_normal(128)
    xs = rng.standard_normal((50, 32))
    h0 = np.zeros(128)
    return (Wx, Wh, b, xs, h0)


# --------------------------------------------------------------------------
# 7. Rosenbrock, n = 10000
# --------------------------------------------------------------------------

def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    a = x[:-1]
    r = x[1:] - a * a
    g = np.zeros_like(x)
    g[:-1] = -400 * a * r - 2 * (1 - a)
    g[1:] += 200 * r
    return g


def rosenbrock_inputs():
    rng = np.random.default_rng(7)
    return (rng.uniform(-2.0, 2.0, 10000),)


# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    name: str
    primal: Callable
    grad: Callable
    make_inputs: Callable[[], tuple]
    wrt: Union[int, Tuple[int, ...]]
    description: str


WORKLOADS = [
    Workload("cos_exp", cos_exp, cos_exp_grad, cos_exp_inputs, 0,
             "cos(x**3*exp(x)) at 1.0"),
    Workload("sin_poly", sin_poly, sin_poly_grad, sin_poly_inputs, 0,
             "x**2*sin(x) at 2.0"),
    Workload("scalar_loop", scalar_loop, scalar_loop_grad, scalar_loop_inputs, 0,
             "100 x sin(x)*0.9+0.1*x*x at 0.5"),
    Workload("logreg", logreg, logreg_grad, logreg_inputs, (0, 1),
             "logistic regression 1000x100, d/d(w,b)"),
    Workload("mlp", mlp, mlp_grad, mlp_inputs, (0, 1, 2, 3),
             "784-256-10 tanh MLP, softmax CE, batch 256"),
    Workload("rnn", rnn, rnn_grad, rnn_inputs, (0, 1, 2),
             "tanh RNN 50 steps, hidden 128, input 32"),
    Workload("rosenbrock", rosenbrock, rosenbrock_grad, rosenbrock_inputs, 0,
             "Rosenbrock n=10000"),
]

BY_NAME = {w.name: w for w in WORKLOADS}
