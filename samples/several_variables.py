"""Gradients with respect to several arguments.

Run:  python samples/several_variables.py
See the generated code:  srcdiff samples/several_variables.py:h
(`dh` is already a derivative, made by the @grad decorator; point the CLI at `h`.)
"""
from srcdiff import grad


def fmt(value):
    """Print floats and tuples of floats without numpy reprs."""
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v) for v in value) + ")"
    return f"{float(value):g}"


def f(x1, x2):
    return x1 ** 2 + x2 ** 3


def g(a, b, c):
    return a * b + c


@grad(wrt=("w1", "w2"))
def dh(w1, w2):
    return 3 * w1 ** 2 + 2 * w1 * w2


def h(w1, w2):
    return 3 * w1 ** 2 + 2 * w1 * w2


def main():
    # f = x1**2 + x2**3: df/dx1 = 2 x1 = 10, df/dx2 = 3 x2**2 = 27 at (5, 3)
    print("f(x1, x2) = x1**2 + x2**3 at (5, 3)")
    print("  wrt=0            :", fmt(grad(f)(5.0, 3.0)), "  (expected 10)")
    print("  wrt=1            :", fmt(grad(f, wrt=1)(5.0, 3.0)), "  (expected 27)")
    print("  wrt=(0, 1)       :", fmt(grad(f, wrt=(0, 1))(5.0, 3.0)), "  (expected (10, 27))")
    print("  wrt=('x1', 'x2') :", fmt(grad(f, wrt=("x1", "x2"))(5.0, 3.0)), "  (expected (10, 27))")

    # g = a*b + c: dg/da = b = 2, dg/db = a = 3, dg/dc = 1 at (3, 2, 1)
    print()
    print("g(a, b, c) = a*b + c at (3, 2, 1)")
    print("  wrt=(0, 1, 2)         :", fmt(grad(g, wrt=(0, 1, 2))(3.0, 2.0, 1.0)), "  (expected (2, 3, 1))")
    print("  wrt=('a', 'b', 'c')   :", fmt(grad(g, wrt=("a", "b", "c"))(3.0, 2.0, 1.0)), "  (expected (2, 3, 1))")
    print("  wrt='c'               :", fmt(grad(g, wrt="c")(3.0, 2.0, 1.0)), "  (expected 1)")

    # h = 3 w1**2 + 2 w1 w2: dh/dw1 = 6 w1 + 2 w2 = 36, dh/dw2 = 2 w1 = 10 at (5, 3)
    print()
    print("h(w1, w2) = 3*w1**2 + 2*w1*w2 at (5, 3)")
    print("  @grad(wrt=('w1', 'w2')) :", fmt(dh(5.0, 3.0)), "  (expected (36, 10))")
    print("  grad(h, wrt=(1, 0))     :", fmt(grad(h, wrt=(1, 0))(5.0, 3.0)), "  (expected (10, 36), order follows wrt)")


if __name__ == "__main__":
    main()
