"""Benchmark workloads for srcdiff.

Each gradient workload has:

* a *primal*: an ordinary top-level function in plain NumPy returning a scalar.
  srcdiff (and tangent) read its source with ``inspect``; bench.py also execs
  that same source with ``np`` bound to autograd.numpy / jax.numpy / a small
  torch shim to build the peers' twins.  So a primal may only use ``np.*``
  (plus builtins such as ``range`` and ``len``) and must not call helpers
  defined in this module.
* one or more *hand-written gradients* (the references), returning what
  ``srcdiff.grad(primal, wrt=WRT)`` should return: one value for an int
  ``wrt``, a tuple in ``wrt`` order for a tuple ``wrt``.  The first, labelled
  ``numpy``, is the straightforward NumPy gradient (the old baseline: NumPy
  calls on Python floats, an outer product per RNN step).  Where a careful
  person would write something faster, it follows: ``math`` (the ``math``
  module and plain float arithmetic on Python floats), ``batched`` (BPTT
  whose weight gradients are matrix products over the stacked states after
  the loop) or ``inplace`` (NumPy updating its temporaries in place).  The benchmark checks the references against each other (and
  against finite differences with ``--verify-refs``) and divides every time
  by the fastest of them.
* an input factory with a fixed seed returning the positional arguments.

``WORKLOADS`` lists them in the order the benchmark runs them.  ``HIGHER``
lists the higher-order cases of ``bench.py --higher``.
"""

import math
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, Union

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


def cos_exp_grad_math(x):
    e = math.exp(x)
    u = x ** 3 * e
    return -math.sin(u) * (3 * x ** 2 * e + u)


def cos_exp_inputs():
    return (1.0,)


# --------------------------------------------------------------------------
# 2. x**2 * sin(x) at 2.0
# --------------------------------------------------------------------------

def sin_poly(x):
    return x ** 2 * np.sin(x)


def sin_poly_grad(x):
    return 2 * x * np.sin(x) + x ** 2 * np.cos(x)


def sin_poly_grad_math(x):
    return x * (2 * math.sin(x) + x * math.cos(x))


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


def scalar_loop_grad_math(x):
    # one input, one output: the chain of step derivatives multiplies up
    # forward, nothing to save
    dx = 1.0
    for i in range(100):
        dx *= 0.9 * math.cos(x) + 0.2 * x
        x = 0.9 * math.sin(x) + 0.1 * x * x
    return dx


def scalar_loop_inputs():
    return (0.5,)


# --------------------------------------------------------------------------
# 4. damped pendulum, 200 explicit Euler steps on Python floats,
#    gradient of theta**2 + omega**2 at the end wrt (theta0, omega0, k)
# --------------------------------------------------------------------------

def pendulum(theta, omega, k, c, dt):
    for i in range(200):
        theta, omega = theta + dt * omega, omega + dt * (-k * np.sin(theta) - c * omega)
    return theta ** 2 + omega ** 2


def pendulum_grad(theta, omega, k, c, dt):
    thetas = []
    for i in range(200):
        thetas.append(theta)
        theta, omega = theta + dt * omega, omega + dt * (-k * np.sin(theta) - c * omega)
    theta_bar = 2 * theta
    omega_bar = 2 * omega
    k_bar = 0.0
    for th in reversed(thetas):
        k_bar -= omega_bar * dt * np.sin(th)
        theta_bar, omega_bar = (theta_bar - omega_bar * dt * k * np.cos(th),
                                theta_bar * dt + omega_bar * (1 - dt * c))
    return theta_bar, omega_bar, k_bar


def pendulum_grad_math(theta, omega, k, c, dt):
    thetas = []
    for i in range(200):
        thetas.append(theta)
        theta, omega = theta + dt * omega, omega + dt * (-k * math.sin(theta) - c * omega)
    theta_bar = 2.0 * theta
    omega_bar = 2.0 * omega
    k_bar = 0.0
    dtk = dt * k
    damp = 1.0 - dt * c
    for th in reversed(thetas):
        k_bar -= omega_bar * math.sin(th)
        theta_bar, omega_bar = theta_bar - dtk * omega_bar * math.cos(th), dt * theta_bar + damp * omega_bar
    return theta_bar, omega_bar, dt * k_bar


def pendulum_inputs():
    return (1.0, 0.5, 9.81, 0.3, 0.01)


# --------------------------------------------------------------------------
# 5. logistic regression, mean log-loss, X 1000x100, gradient wrt (w, b)
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
# 6. numerically stable logistic loss with labels +-1, X 1000x100, wrt w
# --------------------------------------------------------------------------

def logaddexp_loss(w, X, y):
    return np.mean(np.logaddexp(0, -y * (X @ w)))


def logaddexp_loss_grad(w, X, y):
    z = -y * (X @ w)
    s = 0.5 * (1 + np.tanh(0.5 * z))   # sigmoid(z), no overflow for any z
    return X.T @ (-y * s) / y.shape[0]


def logaddexp_inputs():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((1000, 100))
    w = 0.1 * rng.standard_normal(100)
    y = np.where(rng.random(1000) < 0.5, -1.0, 1.0)
    return (w, X, y)


# --------------------------------------------------------------------------
# 7. 784-256-10 tanh MLP, softmax cross-entropy, batch 256,
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
# 8. vanilla RNN, 50 steps, hidden 128, input 32, loss sum(h_T**2),
#    gradient wrt (Wx, Wh, b).  The primal is a Python for loop over range.
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


def _tanh_rnn_batched(W, U, b, X, h, dh_out):
    """Batched BPTT for h_t = tanh(W h_{t-1} + U x_t + b), X = stacked inputs
    (T, I), with dloss/dh_T = dh_out(h_T): the input projections of all
    steps in one product before the loop, the states in one (T+1, H) array,
    the local derivatives (pre-activation adjoints) in one (T, H) array, and
    the weight gradients as three products over them after the loop."""
    T = X.shape[0]
    A = X @ U.T + b
    H = np.empty((T + 1, h.shape[0]))
    H[0] = h
    for t in range(T):
        h = H[t + 1] = np.tanh(A[t] + W @ h)
    D = 1 - H[1:] ** 2
    DA = np.empty_like(D)
    WT = W.T.copy()
    dh = dh_out(h)
    for t in range(T - 1, -1, -1):
        da = np.multiply(dh, D[t], out=DA[t])
        dh = WT @ da
    return DA.T @ H[:-1], DA.T @ X, DA.sum(axis=0)


def rnn_grad_batched(Wx, Wh, b, xs, h):
    dWh, dWx, db = _tanh_rnn_batched(Wh, Wx, b, xs, h, lambda hT: 2 * hT)
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
# 9. the same RNN (T 50, hidden 128, input 32) with the inputs in a Python
#    list of 1-D arrays, iterated directly; gradient wrt (W, U, b)
# --------------------------------------------------------------------------

def rnn_list(W, U, b, xs, h):
    for x_t in xs:
        h = np.tanh(W @ h + U @ x_t + b)
    return np.sum(h ** 2)


def rnn_list_grad(W, U, b, xs, h):
    hs = [h]
    for x_t in xs:
        h = np.tanh(W @ h + U @ x_t + b)
        hs.append(h)
    dW = np.zeros_like(W)
    dU = np.zeros_like(U)
    db = np.zeros_like(b)
    dh = 2 * h
    for t in range(len(xs) - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dW += np.outer(da, hs[t])
        dU += np.outer(da, xs[t])
        db += da
        dh = W.T @ da
    return dW, dU, db


def rnn_list_grad_batched(W, U, b, xs, h):
    return _tanh_rnn_batched(W, U, b, np.stack(xs), h, lambda hT: 2 * hT)


def rnn_list_inputs():
    rng = np.random.default_rng(9)
    W = 0.9 * rng.standard_normal((128, 128)) / np.sqrt(128)
    U = rng.standard_normal((128, 32)) / np.sqrt(32)
    b = 0.1 * rng.standard_normal(128)
    xs = [rng.standard_normal(32) for _ in range(50)]
    h0 = np.zeros(128)
    return (W, U, b, xs, h0)


# --------------------------------------------------------------------------
# 10. the batched RNN of samples/rnn_training.py: 32 sequences as columns,
#     T 20, hidden 16, input 4, a prediction Wy @ h per step, mean squared
#     error; gradient wrt (Wx, Wh, b, Wy).  `rnn_sample` is that sample's
#     `loss`, copied so that the benchmark stays fixed when the sample changes.
# --------------------------------------------------------------------------

def rnn_sample(Wx, Wh, b, Wy, xs, ys):
    T = xs.shape[0]
    h = np.zeros((Wh.shape[0], xs.shape[2]))
    preds = []
    for t in range(T):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
        preds.append(Wy @ h)
    P = np.stack(preds)
    return np.mean((P - ys) ** 2)


def rnn_sample_grad(Wx, Wh, b, Wy, xs, ys):
    T = xs.shape[0]
    h = np.zeros((Wh.shape[0], xs.shape[2]))
    hs = [h]
    preds = []
    for t in range(T):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
        hs.append(h)
        preds.append(Wy @ h)
    P = np.stack(preds)
    dP = 2 * (P - ys) / P.size
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dWy = np.zeros_like(Wy)
    dh = np.zeros_like(h)
    for t in range(T - 1, -1, -1):
        dWy += hs[t + 1] @ dP[t]
        dh = dh + np.outer(Wy, dP[t])
        da = dh * (1 - hs[t + 1] ** 2)
        dWx += da @ xs[t].T
        dWh += da @ hs[t].T
        db += np.sum(da, axis=1, keepdims=True)
        dh = Wh.T @ da
    return dWx, dWh, db, dWy


def rnn_sample_grad_batched(Wx, Wh, b, Wy, xs, ys):
    T, _, B = xs.shape
    nh = Wh.shape[0]
    A = Wx @ xs + b                                  # (T, H, B): all input projections
    H = np.empty((T + 1, nh, B))
    H[0] = 0.0
    h = H[0]
    for t in range(T):
        h = H[t + 1] = np.tanh(A[t] + Wh @ h)
    Hs = H[1:]
    dP = (2.0 / (T * B)) * (Wy @ Hs - ys)            # (T, B)
    G = Wy[:, None] * dP[:, None, :]                 # (T, H, B): dloss/dh_t via the outputs
    D = 1 - Hs * Hs
    DA = np.empty_like(D)
    dh = G[T - 1]
    for t in range(T - 1, 0, -1):
        da = DA[t] = dh * D[t]
        dh = Wh.T @ da + G[t - 1]
    DA[0] = dh * D[0]
    # weight gradients: one product over all steps and sequences, (H, T*B) each
    DAf = DA.transpose(1, 0, 2).reshape(nh, -1)
    dWx = DAf @ xs.transpose(1, 0, 2).reshape(xs.shape[1], -1).T
    dWh = DAf @ H[:-1].transpose(1, 0, 2).reshape(nh, -1).T
    db = DAf.sum(axis=1, keepdims=True)
    dWy = (Hs * dP[:, None, :]).sum(axis=(0, 2))
    return dWx, dWh, db, dWy


def rnn_sample_inputs():
    # samples/rnn_training.py's make_data() and init_params() (seed 0)
    hidden, inputs, steps, batch = 16, 4, 20, 32
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(steps, inputs, batch))
    v = np.array([0.5, -0.5, 0.5, -0.5])
    proj = np.einsum("i,tib->tb", v, xs)
    ys = np.cumsum(proj, axis=0) / np.arange(1, steps + 1)[:, None]
    rng = np.random.default_rng(1)
    Wx = rng.normal(scale=1 / np.sqrt(inputs), size=(hidden, inputs))
    Wh = rng.normal(scale=0.5 / np.sqrt(hidden), size=(hidden, hidden))
    b = np.zeros((hidden, 1))
    Wy = rng.normal(scale=1 / np.sqrt(hidden), size=hidden)
    return (Wx, Wh, b, Wy, xs, ys)


# --------------------------------------------------------------------------
# 11. Rosenbrock, n = 10000
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


def rosenbrock_grad_inplace(x):
    a = x[:-1]
    r = x[1:] - a * a
    r *= 200.0                          # d/dx[1:] of the first term
    g = np.empty_like(x)
    g[-1] = 0.0
    t = a * r
    np.subtract(a, t, out=t)            # g[:-1] = 2 (a - 1 - a r)
    t -= 1.0
    t *= 2.0
    g[:-1] = t
    g[1:] += r
    return g


def rosenbrock_inputs():
    rng = np.random.default_rng(7)
    return (rng.uniform(-2.0, 2.0, 10000),)


# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    name: str
    primal: Callable
    refs: Tuple[Tuple[str, Callable], ...]   # (label, hand-written gradient), "numpy" first
    make_inputs: Callable[[], tuple]
    wrt: Union[int, Tuple[int, ...]]
    description: str


WORKLOADS = [
    Workload("cos_exp", cos_exp, (("numpy", cos_exp_grad), ("math", cos_exp_grad_math)),
             cos_exp_inputs, 0, "cos(x**3*exp(x)) at 1.0"),
    Workload("sin_poly", sin_poly, (("numpy", sin_poly_grad), ("math", sin_poly_grad_math)),
             sin_poly_inputs, 0, "x**2*sin(x) at 2.0"),
    Workload("scalar_loop", scalar_loop,
             (("numpy", scalar_loop_grad), ("math", scalar_loop_grad_math)),
             scalar_loop_inputs, 0, "100 x sin(x)*0.9+0.1*x*x at 0.5"),
    Workload("pendulum", pendulum, (("numpy", pendulum_grad), ("math", pendulum_grad_math)),
             pendulum_inputs, (0, 1, 2),
             "200 Euler steps of a damped pendulum on floats, d/d(theta0, omega0, k)"),
    Workload("logreg", logreg, (("numpy", logreg_grad),), logreg_inputs, (0, 1),
             "logistic regression 1000x100, d/d(w,b)"),
    Workload("logaddexp", logaddexp_loss, (("numpy", logaddexp_loss_grad),),
             logaddexp_inputs, 0, "mean(logaddexp(0, -y*(X@w))), X 1000x100, d/dw"),
    Workload("mlp", mlp, (("numpy", mlp_grad),), mlp_inputs, (0, 1, 2, 3),
             "784-256-10 tanh MLP, softmax CE, batch 256"),
    Workload("rnn", rnn, (("numpy", rnn_grad), ("batched", rnn_grad_batched)),
             rnn_inputs, (0, 1, 2), "tanh RNN 50 steps, hidden 128, input 32"),
    Workload("rnn_list", rnn_list, (("numpy", rnn_list_grad), ("batched", rnn_list_grad_batched)),
             rnn_list_inputs, (0, 1, 2),
             "tanh RNN over a list of 50 input vectors, hidden 128, input 32"),
    Workload("rnn_sample", rnn_sample,
             (("numpy", rnn_sample_grad), ("batched", rnn_sample_grad_batched)),
             rnn_sample_inputs, (0, 1, 2, 3),
             "samples/rnn_training.py loss: T 20, hidden 16, input 4, batch 32"),
    Workload("rosenbrock", rosenbrock,
             (("numpy", rosenbrock_grad), ("inplace", rosenbrock_grad_inplace)),
             rosenbrock_inputs, 0, "Rosenbrock n=10000"),
]

BY_NAME = {w.name: w for w in WORKLOADS}


# ==========================================================================
# higher order (bench.py --higher)
# ==========================================================================

def newton_sqrt(a):
    x = a
    for i in range(20):
        x = 0.5 * (x + a / x)
    return x


def newton_sqrt_d2(a):
    # x, its first and second derivative wrt a, carried through the iteration:
    # q = a / x satisfies q x = a, so q' = (1 - q x') / x, q'' = -(2 q' x' + q x'') / x
    x, dx, ddx = a, 1.0, 0.0
    for i in range(20):
        q = a / x
        dq = (1.0 - q * dx) / x
        ddq = -(2.0 * dq * dx + q * ddx) / x
        x, dx, ddx = 0.5 * (x + q), 0.5 * (dx + dq), 0.5 * (ddx + ddq)
    return ddx


def wiggle(x):
    return np.exp(np.sin(x)) * np.log(1 + x * x) / (2 + np.cos(3 * x))


def rosenbrock_hessian(x):
    n = x.shape[0]
    a = x[:-1]
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i + 1] = H[i + 1, i] = -400 * a
    d = np.zeros(n)
    d[:-1] = 1200 * a * a - 400 * x[1:] + 2
    d[1:] += 200
    H[np.arange(n), np.arange(n)] = d
    return H


def rosenbrock100_inputs():
    rng = np.random.default_rng(10)
    return (rng.uniform(-2.0, 2.0, 100),)


@dataclass(frozen=True)
class HigherCase:
    """``kind`` "derivative": the ``order``-th derivative of a function of one
    float; "hessian": the Hessian wrt argument 0."""
    name: str
    primal: Callable
    kind: str
    order: int
    make_inputs: Callable[[], tuple]
    hand: Optional[Callable]
    description: str


HIGHER = [
    HigherCase("newton_d2", newton_sqrt, "derivative", 2, lambda: (2.0,), newton_sqrt_d2,
               "20 Newton steps for sqrt(a) at 2.0, 2nd derivative"),
    HigherCase("newton_d3", newton_sqrt, "derivative", 3, lambda: (2.0,), None,
               "the same, 3rd derivative"),
    HigherCase("newton_d4", newton_sqrt, "derivative", 4, lambda: (2.0,), None,
               "the same, 4th derivative"),
    HigherCase("wiggle_d4", wiggle, "derivative", 4, lambda: (0.7,), None,
               "exp(sin x) log(1+x*x) / (2+cos 3x) at 0.7, 4th derivative"),
    HigherCase("wiggle_d6", wiggle, "derivative", 6, lambda: (0.7,), None,
               "the same, 6th derivative"),
    HigherCase("hessian_rosen", rosenbrock, "hessian", 2, rosenbrock100_inputs,
               rosenbrock_hessian, "Hessian of Rosenbrock, n=100"),
]

HIGHER_BY_NAME = {c.name: c for c in HIGHER}
