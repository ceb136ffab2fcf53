"""The chain rule, done by srcdiff.

Run:  python samples/chain_rule.py
See the generated derivative code:  srcdiff samples/chain_rule.py:nested
"""
import math

import numpy as np

from srcdiff import grad


def chain(x):
    z = x ** 2
    t = np.sin(x)
    return z * t


def nested(x):
    return np.cos(x ** 3 * np.exp(x))


def main():
    # chain(x) = x**2 * sin(x)
    # d/dx = 2x sin(x) + x**2 cos(x); at x = 2: 4 sin(2) + 4 cos(2) ~= 1.9726
    dchain = grad(chain)
    got = dchain(2.0)
    expected = 4 * math.sin(2.0) + 4 * math.cos(2.0)
    print(f"d/dx [x**2 * sin(x)] at x=2.0")
    print(f"  srcdiff     : {got:.10f}")
    print(f"  closed form : {expected:.10f}   (4 sin 2 + 4 cos 2 ~= 1.9726)")

    # nested(x) = cos(u) with u = x**3 * exp(x)
    # du/dx = 3x**2 exp(x) + x**3 exp(x) = (3x**2 + x**3) exp(x)
    # d/dx = -sin(u) * du/dx; at x = 1: u = e, du/dx = 4e,
    # so the derivative is -4e sin(e) ~= -4.4665
    dnested = grad(nested)
    got = dnested(1.0)
    x = 1.0
    u = x ** 3 * math.exp(x)
    expected = -math.sin(u) * (3 * x ** 2 + x ** 3) * math.exp(x)
    print()
    print(f"d/dx [cos(x**3 * exp(x))] at x=1.0")
    print(f"  srcdiff     : {got:.10f}")
    print(f"  closed form : {expected:.10f}   (-4e sin(e) ~= -4.4665)")


if __name__ == "__main__":
    main()
