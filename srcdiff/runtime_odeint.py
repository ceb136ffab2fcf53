"""Runtime helpers of the rule of ``scipy.integrate.odeint``
(``rules/scipy_linalg_rules.py``): the derivative of ``yt = odeint(func, y0,
t, args)``, the solution of ``y' = func(y, t, *args)`` at the times ``t``.

* Reverse mode, the adjoint method (as autograd's, after Froehlich et al.
  2017, arXiv:1711.08079, Sec. 2.4.2): from the last time back to the first,
  ``y``, its adjoint ``a`` and the adjoint of ``args`` are integrated
  backwards together, ``a' = -a^T df/dy`` and ``args_bar' = -a^T df/dargs``,
  ``a`` taking up ``yt_bar[i]`` at each time.  The adjoint of a time ``t[i]``
  is ``yt_bar[i] . f(yt[i], t[i])``, and of the first ``-a(t[0]) . f(y0, t[0])``
  (without ``yt_bar[0]``: ``yt[0]`` is ``y0`` whatever ``t[0]``).
* Forward mode, forward sensitivities: ``s = dy`` is integrated with ``y``,
  ``s' = df/dy s + df/dargs args_dot``, from ``s(t[0]) = y0_dot - f(y0, t[0])
  t_dot[0]``; ``yt_dot[i] = s(t[i]) + f(yt[i], t[i]) t_dot[i]``.

The derivatives of ``func`` are srcdiff's own, generated from its source
(its VJP and JVP, cached as any derivative): a ``func`` srcdiff cannot
differentiate is refused, located in ``func``.  The integrations take the
tolerances given to ``odeint`` (``rtol``, ``atol``, ``mxstep``); the
derivative is as accurate as they make it.  Floats and float arrays in
``args`` are differentiated; other arguments (integers, flags) are passed
through, with an adjoint of 0.
"""

import numpy as np

# srcdiff.derivatives.derivative (set by it): this module is one of the runtime
# helpers the transformation stands on, so it imports none of the transformation
_derivative = None


def _real(value):
    """Is ``value`` a float or a float array (an argument of func a derivative
    may flow into; integers are counts, passive)?"""
    return isinstance(value, (float, np.floating)) \
        or isinstance(value, np.ndarray) and value.dtype.kind == "f"


class _System:
    """``func`` with its arguments: its value, VJP and JVP at a state."""

    def __init__(self, func, y0, t, args, tfirst):
        self.func, self.args, self.tfirst = func, tuple(args), tfirst
        self.active = [i for i, a in enumerate(self.args) if _real(a)]
        self.shapes = [np.shape(self.args[i]) for i in self.active]
        self.sizes = [int(np.prod(s, dtype=int)) for s in self.shapes]
        self.size = int(np.size(y0))
        first = 1 if tfirst else 0   # (the position of y in func's parameters)
        wrt = (first,) + tuple(2 + i for i in self.active)
        self.listed = isinstance(self.call(np.reshape(np.asarray(y0, float), -1), t[0]),
                                 (list, tuple))
        self.vjp = _derivative(func, wrt, "vjp")[0]
        self.jvp = _derivative(func, wrt, "jvp")[0]

    def inputs(self, y, s):
        return (s, y) + self.args if self.tfirst else (y, s) + self.args

    def call(self, y, s):
        return self.func(*self.inputs(y, s))

    def value(self, y, s):
        return np.reshape(np.asarray(self.call(y, s), dtype=float), self.size)

    def pullback(self, u, y, s):
        """``(u^T df/dy, u^T df/dargs flattened)``."""
        seed = list(u) if self.listed else u
        parts = self.vjp(seed, *self.inputs(y, s))
        parts = parts if isinstance(parts, tuple) else (parts,)
        flat = [np.reshape(np.asarray(p, dtype=float), -1) for p in parts]
        return flat[0], np.concatenate([np.zeros(0)] + [
            np.broadcast_to(p, (n,)) for p, n in zip(flat[1:], self.sizes)])

    def push(self, y, s, y_dot, args_dot):
        """``(f, df/dy y_dot + df/dargs args_dot)``."""
        value, tangent = self.jvp(y_dot, *args_dot, *self.inputs(y, s))
        return (np.reshape(np.asarray(value, dtype=float), self.size),
                np.reshape(np.asarray(tangent, dtype=float), self.size))

    def unflatten(self, flat):
        """The adjoint of ``args``: one part per argument (0.0 for those not
        differentiated)."""
        out = [0.0] * len(self.args)
        start = 0
        for i, shape, n in zip(self.active, self.shapes, self.sizes):
            part = flat[start:start + n]
            out[i] = float(part[0]) if shape == () else np.reshape(part, shape)
            start += n
        return tuple(out)


def odeint_adjoint(g, yt, func, y0, t, args=(), rtol=None, atol=None, mxstep=0,
                   tfirst=False):
    """The adjoints of ``y0``, ``t`` and ``args`` from that of ``yt``."""
    from scipy.integrate import odeint
    times = np.asarray(t, dtype=float)
    system = _System(func, y0, times, args, tfirst)
    n, size = np.shape(yt)
    g = np.broadcast_to(np.asarray(g, dtype=float), (n, size))
    p = sum(system.sizes)

    def backwards(state, s):
        y, a = state[:size], state[size:2 * size]
        a_y, a_args = system.pullback(-a, y, s)
        return np.concatenate([system.value(y, s), a_y, a_args])

    a = g[-1].copy()
    a_args = np.zeros(p)
    t_bar = np.zeros(n)
    for i in range(n - 1, 0, -1):
        t_bar[i] = np.dot(g[i], system.value(yt[i], times[i]))
        state = np.concatenate([yt[i], a, a_args])
        end = odeint(backwards, state, times[[i, i - 1]], rtol=rtol, atol=atol,
                     mxstep=mxstep)[1]
        a = end[size:2 * size] + g[i - 1]
        a_args = end[2 * size:]
    t_bar[0] = -np.dot(a - g[0], system.value(yt[0], times[0]))
    return (np.reshape(a, np.shape(y0)), np.reshape(t_bar, np.shape(t)),
            system.unflatten(a_args))


def odeint_tangent(yt, func, y0, t, args, y0_dot, t_dot, args_dot, rtol=None, atol=None,
                   mxstep=0, tfirst=False):
    """The tangent of ``yt`` from that of ``y0``, ``t`` or ``args`` (the others
    None)."""
    from scipy.integrate import odeint
    times = np.asarray(t, dtype=float)
    system = _System(func, y0, times, args, tfirst)
    n, size = np.shape(yt)
    s0 = np.zeros(size) if y0_dot is None else np.reshape(
        np.broadcast_to(np.asarray(y0_dot, dtype=float), np.shape(y0)), size)
    if t_dot is not None:
        t_dot = np.broadcast_to(np.asarray(t_dot, dtype=float), np.shape(times))
        s0 = s0 - system.value(yt[0], times[0]) * t_dot[0]
    dots = [np.zeros(shape) for shape in system.shapes]
    if args_dot is not None:
        dots = [np.broadcast_to(np.asarray(args_dot[i], dtype=float), shape)
                for i, shape in zip(system.active, system.shapes)]

    def forwards(state, s):
        value, tangent = system.push(state[:size], s, state[size:], dots)
        return np.concatenate([value, tangent])

    out = odeint(forwards, np.concatenate([yt[0], s0]), times, rtol=rtol, atol=atol,
                 mxstep=mxstep)[:, size:]
    if t_dot is not None:
        out = out + np.array([system.value(yt[i], times[i]) * t_dot[i] for i in range(n)])
    return out
