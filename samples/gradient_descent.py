"""Minimise x**2 by gradient descent, using srcdiff for the derivative.

Run:  python samples/gradient_descent.py
"""
from srcdiff import grad


def objective(x):
    return x ** 2


def main():
    dobjective = grad(objective)
    x = -1.0
    learning_rate = 0.1
    steps = 100
    # Each step is x <- x - 0.1 * 2x = 0.8 x, so after n steps x = -0.8**n.
    print(f"minimising x**2 from x = {x}, learning rate {learning_rate}, {steps} steps")
    for step in range(1, steps + 1):
        x = x - learning_rate * dobjective(x)
        if step % 20 == 0:
            print(f"  step {step:3d}: x = {x: .6e}   (expected -0.8**{step} = {-(0.8 ** step): .6e})")
    print(f"final x = {x:.6e}   (expected -0.8**100 ~= -2.04e-10)")


if __name__ == "__main__":
    main()
