"""Symbolic derivatives: srcdiff writes the derivative as ordinary Python.

Run:  python samples/symbolic.py
Also try:  srcdiff samples/symbolic.py:tanh_like
"""
import inspect

import numpy as np

import srcdiff
from srcdiff import grad, stop_gradient, value_and_grad


def poly(x):
    return 3 * x ** 3 - 2 * x + 7


def tanh_like(x):
    e = np.exp(-2 * x)
    return (1 - e) / (1 + e)


def weighted(x, y):
    return x * np.sin(y) + y ** 2


def half_square(x):
    return x * stop_gradient(x)


def full_square(x):
    return x * x


def derivative_source(f, wrt=0):
    """Generated derivative source, via srcdiff.source (or inspect as fallback)."""
    if hasattr(srcdiff, "source"):
        return srcdiff.source(f, wrt=wrt)
    return inspect.getsource(grad(f, wrt=wrt))


def show(title, f, wrt=0):
    print(f"--- {title} ---")
    print(derivative_source(f, wrt=wrt).rstrip())
    print()


def main():
    # 1. The generated derivative code.
    show("d/dx of poly(x) = 3x**3 - 2x + 7", poly)
    show("d/dx of tanh_like(x) = (1 - exp(-2x)) / (1 + exp(-2x))", tanh_like)
    show("d/dx and d/dy of weighted(x, y) = x sin(y) + y**2", weighted, wrt=("x", "y"))

    # The same derivatives, evaluated.
    # poly'(x) = 9x**2 - 2; at x = 2: 34
    print("poly'(2.0)       =", float(grad(poly)(2.0)), "  (expected 34)")
    # tanh_like is tanh, tanh'(x) = 1 - tanh(x)**2; at x = 0.5: 0.7864477...
    print("tanh_like'(0.5)  =", float(grad(tanh_like)(0.5)),
          f"  (expected 1 - tanh(0.5)**2 = {1 - np.tanh(0.5) ** 2})")
    # d/dx = sin(y), d/dy = x cos(y) + 2y; at (2, 1): (0.841471, 3.080605)
    dx, dy = grad(weighted, wrt=("x", "y"))(2.0, 1.0)
    print(f"weighted grads at (2, 1) = ({float(dx):.6f}, {float(dy):.6f})"
          f"   (expected ({np.sin(1.0):.6f}, {2 * np.cos(1.0) + 2:.6f}))")
    print()

    # 2. stop_gradient: identity forward, zero derivative.
    # x * stop_gradient(x) has value x**2 but derivative x (not 2x).
    show("d/dx of half_square(x) = x * stop_gradient(x)", half_square)
    x = 3.0
    print(f"half_square({x})  = {half_square(x)}   (expected 9.0, same value as x*x)")
    print(f"half_square'({x}) = {float(grad(half_square)(x))}   (expected 3.0 = x)")
    print(f"full_square'({x}) = {float(grad(full_square)(x))}   (expected 6.0 = 2x)")
    print()

    # 3. value_and_grad: value and derivative in one call.
    # poly(2) = 24 - 4 + 7 = 27, poly'(2) = 34
    value, slope = value_and_grad(poly)(2.0)
    print(f"value_and_grad(poly)(2.0) = ({float(value)}, {float(slope)})   (expected (27.0, 34.0))")
    # weighted(2, 1) = 2 sin(1) + 1 = 2.682942; gradients as above
    value, (dx, dy) = value_and_grad(weighted, wrt=("x", "y"))(2.0, 1.0)
    print(f"value_and_grad(weighted, wrt=('x', 'y'))(2.0, 1.0) = "
          f"({float(value):.6f}, ({float(dx):.6f}, {float(dy):.6f}))"
          f"   (expected ({2 * np.sin(1.0) + 1:.6f}, ({np.sin(1.0):.6f}, {2 * np.cos(1.0) + 2:.6f})))")


if __name__ == "__main__":
    main()
