"""Derivatives of order 1 to 4, each one srcdiff's derivative of the code it
generated the time before (``grad(grad(f))``, ``srcdiff.derivative(f, order=n)``).

Run:  python samples/higher_order.py
See the generated code:  srcdiff samples/higher_order.py:damped --order 2
                         srcdiff samples/higher_order.py:series --mode forward
"""
import math

import numpy as np

import srcdiff
from srcdiff import derivative, grad


def cube(x):
    return x ** 3


def damped(x):
    return np.exp(-x) * np.sin(x)


def series(x):
    """exp(x) by its Taylor series, 20 terms, in a loop."""
    term = 1.0
    total = 1.0
    for k in range(1, 20):
        term = term * x / k
        total = total + term
    return total


def sqrt_newton(a):
    """sqrt(a) by Newton's method: a while loop with a data-dependent test."""
    x = max(a, 1.0)
    while abs(x * x - a) > 1e-15 * a:
        x = 0.5 * (x + a / x)
    return x


# closed forms of the derivatives of order 1..4
CASES = [
    ("x**3 at 2", cube, 2.0, lambda x: [3 * x * x, 6 * x, 6.0, 0.0]),
    ("exp(-x) sin(x) at 0.5", damped, 0.5, lambda x: [
        math.exp(-x) * (math.cos(x) - math.sin(x)),
        -2 * math.exp(-x) * math.cos(x),
        2 * math.exp(-x) * (math.cos(x) + math.sin(x)),
        -4 * math.exp(-x) * math.sin(x)]),
    ("Taylor series of exp at 0.3 (loop)", series, 0.3, lambda x: [math.exp(x)] * 4),
    ("sqrt by Newton at 2 (while loop)", sqrt_newton, 2.0, lambda a: [
        0.5 * a ** -0.5, -0.25 * a ** -1.5, 0.375 * a ** -2.5, -0.9375 * a ** -3.5]),
]


def main():
    worst = 0.0
    for label, f, x, closed in CASES:
        print(label)
        expected = closed(x)
        d = f
        for order in range(1, 5):
            d = grad(d)   # the derivative of the generated derivative
            got = d(x)
            # derivative(f, order) computes the same by Taylor mode (one forward
            # sweep): equal up to rounding
            taylor = derivative(f, order=order)(x)
            assert abs(taylor - got) <= 1e-12 * max(1.0, abs(got)), (taylor, got)
            err = max(abs(got - expected[order - 1]), abs(taylor - expected[order - 1]))
            worst = max(worst, err / max(1.0, abs(expected[order - 1])))
            print(f"  order {order}: srcdiff {got: .12f}   closed form "
                  f"{expected[order - 1]: .12f}")
    print(f"largest relative difference: {worst:.1e}")

    # forward mode gives the same first derivative (and is what hessian uses)
    value, slope = srcdiff.jvp(damped)(0.5, 1.0)
    print(f"jvp(damped)(0.5, 1.0) = ({value:.12f}, {slope:.12f})")


if __name__ == "__main__":
    main()
