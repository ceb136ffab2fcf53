"""One simulation, two gradients: srcdiff.vjp.

Heat flows along a rod of 120 cells for 1500 explicit time steps; the
conductivity of each of the 119 links between cells is a parameter.  Two
quantities of interest come out of one run: the temperature at a sensor and
the heat left in the rod (the right end cools).  Their gradients with respect
to the 119 conductivities:

* with ``grad``, twice: each call runs the whole simulation forward and then
  backward;
* with ``vjp``, once forward: ``out, pullback = srcdiff.vjp(simulate)(k, ...)``,
  then ``pullback((1.0, 0.0))`` and ``pullback((0.0, 1.0))`` run only the
  adjoint sweep, from the values the forward sweep saved.

The script checks that both give the same gradients (and a few entries against
central differences), then times both ways (best of 7, run in turn) and prints the saving.

Run:  python samples/simulation_vjp.py
See the generated code:  srcdiff samples/simulation_vjp.py:simulate --mode vjp
"""
import time

import numpy as np

import srcdiff

N, STEPS, DT = 120, 1500, 0.2
SENSOR = N // 3


def simulate(k, u0, cooling, steps, dt):
    """Explicit finite differences; returns (sensor temperature, heat left)."""
    u = u0
    for _ in range(steps):
        flux = k * (u[1:] - u[:-1])                  # from cell i+1 to cell i
        outflow = np.concatenate((flux, np.zeros(1)))
        inflow = np.concatenate((np.zeros(1), flux))
        u = u + dt * (outflow - inflow - cooling * u)
    return u[SENSOR], np.sum(u)


def sensor(k, u0, cooling, steps, dt):
    temperature, heat = simulate(k, u0, cooling, steps, dt)
    return temperature


def heat_left(k, u0, cooling, steps, dt):
    temperature, heat = simulate(k, u0, cooling, steps, dt)
    return heat


def best_times(runs, repeats=7):
    """The best time of each function, running them in turn (a shared machine
    slows all of them alike)."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main():
    rng = np.random.default_rng(0)
    k = 0.5 + 0.4 * rng.random(N - 1)
    x = np.linspace(0.0, 1.0, N)
    u0 = np.exp(-((x - 0.7) / 0.1) ** 2)             # a warm spot right of the sensor
    cooling = np.zeros(N)
    cooling[-1] = 0.3
    args = (k, u0, cooling, STEPS, DT)

    (temperature, heat), pullback = srcdiff.vjp(simulate)(*args)
    print(f"heat on a rod of {N} cells, {STEPS} steps: sensor {temperature:.6f}, "
          f"heat left {heat:.6f} (of {np.sum(u0):.6f})")

    # the two gradients from one forward sweep, and from two grad calls
    d_sensor, d_heat = pullback((1.0, 0.0)), pullback((0.0, 1.0))
    g_sensor, g_heat = srcdiff.grad(sensor)(*args), srcdiff.grad(heat_left)(*args)
    print(f"vjp against grad: largest difference {max(np.max(np.abs(d_sensor - g_sensor)), np.max(np.abs(d_heat - g_heat))):.1e}")

    eps = 1e-6
    for i in (SENSOR - 1, N - 2):
        e = np.zeros(N - 1)
        e[i] = eps
        fd_sensor = (sensor(k + e, *args[1:]) - sensor(k - e, *args[1:])) / (2 * eps)
        fd_heat = (heat_left(k + e, *args[1:]) - heat_left(k - e, *args[1:])) / (2 * eps)
        print(f"  d/dk[{i:3d}]  sensor {d_sensor[i]: .8e} (central difference "
              f"{fd_sensor: .8e})   heat {d_heat[i]: .8e} ({fd_heat: .8e})")

    grad_sensor, grad_heat = srcdiff.grad(sensor), srcdiff.grad(heat_left)
    vjp_simulate = srcdiff.vjp(simulate)

    def with_grad():
        return grad_sensor(*args), grad_heat(*args)

    def with_vjp():
        out, back = vjp_simulate(*args)
        return back((1.0, 0.0)), back((0.0, 1.0))

    out, back = vjp_simulate(*args)
    t_grad, t_vjp, t_forward, t_pullback = best_times(
        [with_grad, with_vjp, lambda: vjp_simulate(*args), lambda: back((1.0, 0.0))])
    print(f"two grad calls:            {1e3 * t_grad:7.1f} ms")
    print(f"one vjp, two pullbacks:    {1e3 * t_vjp:7.1f} ms  "
          f"(forward sweep {1e3 * t_forward:.1f} ms, each pullback {1e3 * t_pullback:.1f} ms)")
    print(f"saving: {100 * (1 - t_vjp / t_grad):.0f}% of the time "
          f"({t_grad / t_vjp:.2f}x faster)")


if __name__ == "__main__":
    main()
