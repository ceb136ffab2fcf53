"""Differentiating iterative algorithms: loops that run until convergence.

srcdiff differentiates the iterations themselves (a `while` loop with a
data-dependent test and `break`, a `for` loop with an early `return`, an
if/elif/else chain). The results are compared with the closed-form or
implicit-function derivatives.

Run:  python samples/iterative.py
See the generated loop code:  srcdiff samples/iterative.py:newton_sqrt
                              srcdiff samples/iterative.py:kepler --wrt M,e
"""
import math

import numpy as np

import srcdiff
from srcdiff import grad


# (a) Newton's method for sqrt(a): a while loop with a data-dependent test,
#     an iteration cap and break.
def newton_sqrt(a, tol=1e-15, max_iter=100):
    x = max(a, 1.0)
    n = 0
    while abs(x * x - a) > tol * a:
        x = 0.5 * (x + a / x)
        n += 1
        if n >= max_iter:
            break
    return x


# (b) A fixed-point iteration x = a cos(x), with an early return once the
#     iterates stop moving.
def fixed_point(a, tol=1e-15, max_iter=500):
    x = 0.0
    for i in range(max_iter):
        x_new = a * math.cos(x)
        if abs(x_new - x) < tol:
            return x_new
        x = x_new
    return x


# (b') Kepler's equation E - e sin(E) = M, solved by Newton's method;
#      differentiated with respect to both the mean anomaly M and the
#      eccentricity e.
def kepler(M, e, tol=1e-14):
    E = M
    for i in range(50):
        step = (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
        E = E - step
        if abs(step) < tol:
            break
    return E


# (c) A piecewise function, the Huber loss, with if/elif/else.
def huber(x, delta=1.0):
    if abs(x) <= delta:
        y = 0.5 * x ** 2
    elif x > 0:
        y = delta * (x - 0.5 * delta)
    else:
        y = -delta * (x + 0.5 * delta)
    return y


def central_difference(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def main():
    # (a) d/da sqrt(a) = 1 / (2 sqrt(a)).
    # srcdiff differentiates the Newton iterations; the derivative of the
    # iterates converges as fast as the iterates, so the difference to the
    # closed form is at rounding level (<= ~1e-16 relative).
    print("(a) Newton's method for sqrt(a): while loop + break")
    dsqrt = grad(newton_sqrt)
    print(f"    {'a':>8}  {'newton_sqrt(a)':>18}  {'srcdiff d/da':>18}  {'1/(2 sqrt a)':>18}  {'difference':>10}")
    for a in (0.25, 2.0, 10.0, 1e4):
        got = dsqrt(a)
        expected = 1 / (2 * math.sqrt(a))
        print(f"    {a:8g}  {newton_sqrt(a):18.15f}  {got:18.15f}  {expected:18.15f}  {got - expected:10.1e}")
    # expected: 1.0, 0.353553390593274, 0.158113883008419, 0.005; differences ~1e-18 or 0
    print()

    # (b) x* = a cos(x*). Implicit function theorem:
    # dx*/da = cos(x*) / (1 + a sin(x*)).
    # The fixed-point iteration converges linearly, and so does the derivative
    # of the iterates, so agreement is to ~1e-14 rather than to the last digit.
    print("(b) fixed point x = a cos(x): for loop + early return")
    dfixed = grad(fixed_point)
    print(f"    {'a':>8}  {'x*':>18}  {'srcdiff d/da':>18}  {'implicit':>18}  {'difference':>10}")
    for a in (0.5, 0.8, 1.0):
        x = fixed_point(a)
        got = dfixed(a)
        expected = math.cos(x) / (1 + a * math.sin(x))
        print(f"    {a:8g}  {x:18.15f}  {got:18.15f}  {expected:18.15f}  {got - expected:10.1e}")
    # expected at a = 1.0: x* = 0.73908513321516 (the Dottie number) and
    # dx*/da = cos(x*) / (1 + sin(x*)) = 0.44161079170...; differences ~1e-14
    print()

    # (b') Kepler: dE/dM = 1 / (1 - e cos E), dE/de = sin E / (1 - e cos E).
    print("(b') Kepler's equation E - e sin E = M by Newton: grad wrt (M, e)")
    dkepler = grad(kepler, wrt=("M", "e"))
    for M, e in ((1.0, 0.3), (2.5, 0.9)):
        E = kepler(M, e)
        dM, de = dkepler(M, e)
        denom = 1 - e * math.cos(E)
        print(f"    M = {M}, e = {e}: E = {E:.15f}")
        print(f"      dE/dM: srcdiff {dM:.15f}  closed form {1 / denom:.15f}  difference {dM - 1 / denom:.1e}")
        print(f"      dE/de: srcdiff {de:.15f}  closed form {math.sin(E) / denom:.15f}  difference {de - math.sin(E) / denom:.1e}")
    # expected at (1.0, 0.3): E = 1.28809..., dE/dM = 1.09133, dE/de = 1.04801;
    # differences ~1e-16 or 0
    print()

    # (c) Huber loss: derivative x inside [-1, 1], +1 right of it, -1 left.
    print("(c) Huber loss: if / elif / else")
    dhuber = grad(huber)
    print(f"    {'x':>6}  {'srcdiff':>10}  {'closed form':>11}  {'finite diff':>12}  {'difference':>10}")
    for x in (-3.0, -0.5, 0.25, 0.9, 2.5):
        got = dhuber(x)
        expected = x if abs(x) <= 1.0 else math.copysign(1.0, x)
        fd = central_difference(huber, x)
        print(f"    {x:6g}  {got:10.6f}  {expected:11.6f}  {fd:12.6f}  {got - expected:10.1e}")
    # expected: -1, -0.5, 0.25, 0.9, 1; differences 0
    print()

    # The generated code for (a): the forward while loop counts its trips and
    # saves the overwritten x on a list; the adjoint loop runs that many times,
    # popping x back.
    print("generated derivative of newton_sqrt (srcdiff.source(newton_sqrt)):")
    print(srcdiff.source(newton_sqrt).rstrip())


if __name__ == "__main__":
    main()
