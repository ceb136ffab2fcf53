"""Small functions whose generated derivatives are checked as text."""
import numpy as np


def chain(x):
    z = x ** 2
    t = np.sin(x)
    return z * t


def nested(x):
    return np.cos(x ** 3 * np.exp(x))


def power_loop(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return y


def piecewise(x):
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y


def fill(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * x[i]
    return np.sum(out)


def layer(W, x, b):
    return np.sum(np.tanh(W @ x + b) ** 2)


def newton(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def _energy(v):
    return np.sum(v * v)


def with_helper(x):
    return _energy(np.sin(x)) + 2.0 * _energy(x)
