"""Rule cases of ``scipy.integrate.odeint`` (``srcdiff/rules/scipy_linalg_rules.py``,
``srcdiff/runtime_odeint.py``; none without SciPy).  The oracle's twin calls
``autograd.scipy.integrate.odeint``; where autograd has no rule (a ``func`` that
returns a list, ``tfirst``, a number ``y0``, an integer in ``args``) the expected gradient is from central differences.
The integrations are run at tight tolerances, so that both the adjoint method's
gradient and the differences of two solutions are accurate."""

import numpy as np

from oracle import fd_grad
from rules_support import R

try:
    from scipy.integrate import odeint
except ImportError:
    odeint = None

_TOL = 1e-12
_T = np.array([0.0, 0.4, 1.1, 2.0])
_Y0 = np.array([1.0, -0.5])
_A = np.array([[-0.5, 1.0], [-1.2, -0.3]])


def by_fd(fn, wrt):
    return lambda *args: fd_grad(fn, args, wrt)


def decay(y, t, k):
    return -k * y + np.sin(t)


def linear(y, t, a, b):
    return a @ y + b


def oscillator(y, t, k):
    return [y[1], -k * y[0] - 0.1 * y[1]]


def logistic(t, y, r):
    return r * y * (1.0 - y)


def free(y, t):
    return np.cos(y) - 0.3 * t


def power(y, t, k, n):
    return -k * y ** n


def ode_decay(y0, t, k):
    yt = odeint(decay, y0, t, args=(k,), rtol=_TOL, atol=_TOL)
    return np.sum(yt * np.arange(1.0, 1.0 + np.size(yt)).reshape(np.shape(yt)))


def ode_linear(y0, a, b):
    yt = odeint(linear, y0, _T, (a, b), rtol=_TOL, atol=_TOL)
    return np.sum(yt[-1] ** 2) + np.sum(yt[1])


def ode_scalar(y0, k):
    return np.sum(odeint(decay, y0, _T, args=(k,), rtol=_TOL, atol=_TOL) ** 2)


def ode_oscillator(y0, k):
    yt = odeint(oscillator, y0, np.linspace(0.0, 3.0, 6), (k,), rtol=_TOL, atol=_TOL)
    return np.sum(yt[:, 0] ** 2)


def ode_tfirst(y0, r, t):
    return np.sum(odeint(logistic, y0, t, (r,), tfirst=True, rtol=_TOL, atol=_TOL))


def ode_power(y0, k):
    # (n, an integer, is passed through)
    return np.sum(odeint(power, y0, _T, (k, 3), rtol=_TOL, atol=_TOL))


def ode_free(y0, t):
    return np.sum(np.sin(odeint(free, y0, t, rtol=_TOL, atol=_TOL)))


CASES = {} if odeint is None else {
    "scipy.integrate.odeint": [
        R(ode_decay, _Y0, _T, 0.7, wrt=(0, 1, 2)),
        R(ode_decay, _Y0, _T[:2], 1.5, wrt=(0, 1, 2)),
        R(ode_linear, _Y0, _A, np.array([0.2, -0.1]), wrt=(0, 1, 2)),
        R(ode_free, np.array([0.3, 1.2, -0.4]), np.array([0.5, 1.0, 1.5]), wrt=(0, 1)),
        # (autograd: a number y0, a func that returns a list, tfirst)
        R(ode_scalar, 0.8, 0.4, wrt=(0, 1), expected=by_fd(ode_scalar, (0, 1))),
        R(ode_power, np.array([0.5, 1.5]), 0.8, wrt=(0, 1),
          expected=by_fd(ode_power, (0, 1))),
        R(ode_oscillator, _Y0, 1.3, wrt=(0, 1), expected=by_fd(ode_oscillator, (0, 1))),
        R(ode_tfirst, np.array([0.1, 0.5]), 1.2, _T, wrt=(0, 1, 2),
          expected=by_fd(ode_tfirst, (0, 1, 2)))],
}
