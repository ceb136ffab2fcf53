"""One forward sweep, k adjoint sweeps: ``srcdiff.vjp`` against k ``grad`` calls
and autograd's ``make_vjp``.

For each workload and k in 1, 2, 4, 8, the time to get k vector-Jacobian
products (k random cotangents) at one point:

* ``vjp``: ``out, back = srcdiff.vjp(f)(*args)`` once, then ``back(c)`` k times;
* ``grad x k``: ``srcdiff.grad`` of ``<c, f(args)>`` (a function taking the
  cotangent as an argument) called k times: k forward and k adjoint sweeps;
* ``autograd``: ``autograd.make_vjp`` once (its tape: one forward pass), then
  its vjp k times.

A second table does the same for ``linearize``: one primal run and k
tangent-only evaluations (``jvp_fn(t)``) against k ``srcdiff.jvp`` calls
(each runs the primal again beside the tangent).

Every result is checked against the others (to 1e-9 relative) before timing.
Times are the best of ``--repeats`` runs of each, taken in turn, in
milliseconds of the process's CPU time (``time.process_time``: on a shared
machine the time the process waits for its core is left out); the ratios are
to the ``vjp`` (``linearize``) column.  Pin the process to one core, as the
figures in docs/vjp.md were taken:

    taskset -c 1 python benchmarks/bench_vjp.py
"""

import argparse
import os
import sys
import time

import numpy as np

_here = os.path.dirname(os.path.abspath(__file__))
for _p in (_here, os.path.dirname(_here)):   # this checkout's srcdiff, bench.make_twin
    if _p in sys.path:
        sys.path.remove(_p)
    sys.path.insert(0, _p)

import srcdiff  # noqa: E402
from bench import make_twin  # noqa: E402

SENSOR = 40


# --- workloads: f, its cotangent-weighted scalar, arguments --------------------------


def heat(k, u0, cooling):
    """samples/simulation_vjp.py's rod, 120 cells, 500 steps: (sensor, heat left)."""
    u = u0
    for _ in range(500):
        flux = k * (u[1:] - u[:-1])
        outflow = np.concatenate((flux, np.zeros(1)))
        inflow = np.concatenate((np.zeros(1), flux))
        u = u + 0.2 * (outflow - inflow - cooling * u)
    return u[SENSOR], np.sum(u)


def heat_weighted(k, u0, cooling, c):
    a, b = heat(k, u0, cooling)
    return c[0] * a + c[1] * b


def rnn_states(Wh, Wx, xs):
    """A tanh RNN, 50 steps, hidden 64: every hidden state (50 x 64)."""
    h = np.zeros(Wh.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        hs.append(h)
    return np.stack(hs)


def rnn_weighted(Wh, Wx, xs, c):
    return np.sum(rnn_states(Wh, Wx, xs) * c)


def mlp(W1, W2, X):
    """Logits of a 100-128-10 tanh MLP on a batch of 256."""
    return np.tanh(X @ W1) @ W2


def mlp_weighted(W1, W2, X, c):
    return np.sum(mlp(W1, W2, X) * c)


def _inputs():
    rng = np.random.default_rng(0)
    n = 120
    x = np.linspace(0.0, 1.0, n)
    cooling = np.zeros(n)
    cooling[-1] = 0.3
    return {
        "heat": (heat, heat_weighted,
                 (0.5 + 0.4 * rng.random(n - 1), np.exp(-((x - 0.7) / 0.1) ** 2), cooling),
                 lambda r: (float(r.standard_normal()), float(r.standard_normal()))),
        "rnn_states": (rnn_states, rnn_weighted,
                       (rng.standard_normal((64, 64)) * 0.1, rng.standard_normal((64, 16)) * 0.1,
                        rng.standard_normal((50, 16))),
                       lambda r: r.standard_normal((50, 64))),
        "mlp": (mlp, mlp_weighted,
                (rng.standard_normal((100, 128)) * 0.1, rng.standard_normal((128, 10)) * 0.1,
                 rng.standard_normal((256, 100))),
                lambda r: r.standard_normal((256, 10))),
    }


# --- the three ways -------------------------------------------------------------------


def ways(f, weighted, args, cotangents):
    """name -> a function computing the k gradients (wrt the first argument)."""
    import autograd
    import autograd.numpy as anp

    vjp = srcdiff.vjp(f)
    grad = srcdiff.grad(weighted)
    twin = make_twin(f, anp)
    ag_cotangent = np.asarray
    if isinstance(cotangents[0], tuple):   # (autograd's make_vjp follows an array out)
        inner = twin

        def twin(*a):
            return anp.stack(inner(*a))

    def with_vjp():
        out, back = vjp(*args)
        return [back(c) for c in cotangents]

    def with_grad():
        return [grad(*args, np.asarray(c) if isinstance(c, tuple) else c) for c in cotangents]

    def with_autograd():
        back, out = autograd.make_vjp(twin, 0)(*args)
        return [back(ag_cotangent(c)) for c in cotangents]

    return {"vjp": with_vjp, "grad x k": with_grad, "autograd": with_autograd}


def check(results):
    first = results["vjp"]
    for name, got in results.items():
        for a, b in zip(first, got):
            if not np.allclose(a, b, rtol=1e-9, atol=1e-12):
                raise SystemExit(f"{name} disagrees with vjp: {np.max(np.abs(a - b))}")


def best_times(runs, repeats):
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    return best


def linearize_ways(f, args, tangents):
    lin = srcdiff.linearize(f)
    jvp = srcdiff.jvp(f)

    def with_linearize():
        out, jvp_fn = lin(*args)
        return [jvp_fn(t) for t in tangents]

    def with_jvp():
        return [jvp(*args, t)[1] for t in tangents]
    return {"linearize": with_linearize, "jvp x k": with_jvp}


def linearize_table(ks, repeats, rng):
    print(f"\n{'workload':<11} {'k':>2} {'linearize':>10} {'jvp x k':>9} {'jvp/linearize':>14}")
    for name, (f, _, args, _) in _inputs().items():
        try:
            srcdiff.source(f, mode="linearize")
            how = ""
        except srcdiff.SrcdiffError:
            how = "  (not split: each jvp_fn call runs the JVP)"
        for k in ks:
            tangents = [rng.standard_normal(np.shape(args[0])) for _ in range(k)]
            runs = linearize_ways(f, args, tangents)
            results = {n: run() for n, run in runs.items()}
            for a, b in zip(results["linearize"], results["jvp x k"]):
                for u, v in zip(np.atleast_1d(a) if not isinstance(a, tuple) else a,
                                np.atleast_1d(b) if not isinstance(b, tuple) else b):
                    if not np.allclose(u, v, rtol=1e-9, atol=1e-12):
                        raise SystemExit(f"linearize disagrees with jvp on {name}")
            t = best_times(runs, repeats)
            print(f"{name:<11} {k:>2} {1e3 * t['linearize']:10.2f} {1e3 * t['jvp x k']:9.2f} "
                  f"{t['jvp x k'] / t['linearize']:14.2f}{how}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--ks", default="1,2,4,8")
    opts = p.parse_args(argv)
    ks = [int(k) for k in opts.ks.split(",")]
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"cores: {cores}   load average: {os.getloadavg()[0]:.2f}   "
          f"best of {opts.repeats}, ms of CPU time; ratios to vjp")
    print(f"{'workload':<11} {'k':>2} {'vjp':>8} {'grad x k':>9} {'autograd':>9}"
          f" {'grad/vjp':>9} {'autograd/vjp':>13} {'vjp: fwd':>9} {'pullback':>9}")
    rng = np.random.default_rng(1)
    for name, (f, weighted, args, make_cotangent) in _inputs().items():
        out, back = srcdiff.vjp(f)(*args)
        parts = best_times({"forward": lambda: srcdiff.vjp(f)(*args),
                            "pullback": lambda: back(make_cotangent(rng))}, opts.repeats)
        for k in ks:
            cotangents = [make_cotangent(rng) for _ in range(k)]
            runs = ways(f, weighted, args, cotangents)
            check({n: run() for n, run in runs.items()})
            t = best_times(runs, opts.repeats)
            print(f"{name:<11} {k:>2} {1e3 * t['vjp']:8.2f} {1e3 * t['grad x k']:9.2f} "
                  f"{1e3 * t['autograd']:9.2f} {t['grad x k'] / t['vjp']:9.2f} "
                  f"{t['autograd'] / t['vjp']:13.2f} {1e3 * parts['forward']:9.2f} "
                  f"{1e3 * parts['pullback']:9.2f}")
    linearize_table(ks, opts.repeats, rng)


if __name__ == "__main__":
    main()
