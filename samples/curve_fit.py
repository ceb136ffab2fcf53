"""Least-squares curve fitting with srcdiff's Jacobian (Levenberg-Marquardt).

The model y = a exp(-b t) cos(c t) + d is fitted to noisy samples.  Each step
solves (J^T J + mu I) delta = -J^T r with J the Jacobian of the residuals
with respect to the 4 parameters, from ``srcdiff.jacobian`` (forward mode:
4 inputs, 40 residuals; one call of the generated code per parameter).  The
fitted parameters are compared with the ones the data was made from.

Run:  python samples/curve_fit.py
See the generated forward-mode code:
      srcdiff samples/curve_fit.py:residuals --mode forward
"""
import numpy as np

import srcdiff

T = np.linspace(0.0, 4.0, 40)
TRUE = np.array([2.0, 0.7, 3.0, 0.5])
NOISE = 0.01 * np.random.default_rng(0).standard_normal(T.size)


def model(params, t):
    a, b, c, d = params[0], params[1], params[2], params[3]
    return a * np.exp(-b * t) * np.cos(c * t) + d


def residuals(params, t, y):
    return model(params, t) - y


def levenberg_marquardt(params, t, y, steps=100, tol=1e-10):
    jac = srcdiff.jacobian(residuals, wrt=0)
    mu = 1e-3
    cost = 0.5 * np.sum(residuals(params, t, y) ** 2)
    for it in range(steps):
        r = residuals(params, t, y)
        J = jac(params, t, y)               # shape (40, 4)
        g = J.T @ r
        delta = np.linalg.solve(J.T @ J + mu * np.eye(params.size), -g)
        if np.linalg.norm(delta) < tol * (1.0 + np.linalg.norm(params)):
            return params, it
        new = params + delta
        new_cost = 0.5 * np.sum(residuals(new, t, y) ** 2)
        if new_cost < cost:
            params, cost, mu = new, new_cost, mu / 3.0
        else:
            mu = mu * 4.0
    return params, steps


def main():
    y = model(TRUE, T) + NOISE
    start = np.array([1.0, 0.3, 2.7, 0.0])
    J = srcdiff.jacobian(residuals)(start, T, y)
    # check one column against a central difference
    e = np.array([0.0, 1e-6, 0.0, 0.0])
    column = (residuals(start + e, T, y) - residuals(start - e, T, y)) / 2e-6
    print(f"Jacobian {J.shape}; column b against finite differences: max diff "
          f"{np.max(np.abs(J[:, 1] - column)):.1e}")
    fitted, iters = levenberg_marquardt(start, T, y)
    print(f"fitted after {iters} steps: a, b, c, d = {np.round(fitted, 4)}")
    print(f"true parameters           : a, b, c, d = {TRUE}")
    rms = np.sqrt(np.mean(residuals(fitted, T, y) ** 2))
    print(f"rms residual {rms:.4f} (noise level 0.01)")


if __name__ == "__main__":
    main()
