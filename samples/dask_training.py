"""Logistic regression and a small MLP trained by gradient descent (with
momentum) on a Dask cluster, gradients from srcdiff.

The data (2,000,000 rows x 10 features by default, 176 MB) is made chunk by
chunk on the workers of a ``LocalCluster`` and stays there: the client holds
the parameters only.  ``value_and_grad(loss)`` on Dask arrays returns Dask
arrays: one lazy graph for the loss and its gradient, which each step computes
in one pass over the data.

Run:  python samples/dask_training.py            (about a minute on 2 cores)
      python samples/dask_training.py --rows 200000 --steps 5     (quick)
Needs the dask extra: pip install -e ".[dask]"
"""
import argparse
import resource
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster, progress, wait

from srcdiff import value_and_grad


def logistic_loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0) - y * z)


def mlp_loss(W1, b1, w2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    z = h @ w2 + b2
    return np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0) - y * z)


def make_data(rows, features, chunk, seed=0):
    """Features N(0, 1) and labels from a linear part plus an interaction that
    a linear model cannot fit, made on the workers chunk by chunk."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk, features))
    u, v, t = np.random.default_rng(seed + 1).normal(size=(3, features)) / np.sqrt(features)
    score = X @ u + 2.0 * (X @ v) * (X @ t) + 0.3 * rng.standard_normal(rows, chunks=chunk)
    return X, (score > 0).astype(float)


def train(name, loss, params, X, y, steps, rate=1.0, momentum=0.9):
    """Gradient descent with momentum; each step computes the loss and the
    gradient together."""
    step_of = value_and_grad(loss, wrt=tuple(range(len(params))))
    print(f"\n{name}: {sum(np.size(p) for p in params)} parameters, {steps} steps, "
          f"learning rate {rate}, momentum {momentum}")
    velocity = [np.zeros(np.shape(p)) for p in params]
    start = time.perf_counter()
    for step in range(1, steps + 1):
        value, grads = step_of(*params, X, y)        # lazy: nothing computed yet
        value, grads = dask.compute(value, grads)    # one pass over the data
        velocity = [momentum * v - rate * g for v, g in zip(velocity, grads)]
        params = tuple(p + v for p, v in zip(params, velocity))
        elapsed = time.perf_counter() - start
        done = step / steps
        bar = "#" * round(20 * done) + "." * (20 - round(20 * done))
        print(f"  step {step:3d}/{steps} [{bar}] loss {float(value):.5f}   "
              f"{elapsed / step:.2f} s/step, {elapsed * (1 / done - 1):4.0f} s to go",
              flush=True)
    return params


def accuracy(logit, params, X, y):
    return float(np.mean((logit(*params, X) > 0) == (y > 0.5)).compute())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=250_000, help="rows per chunk")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=15)
    args = parser.parse_args()

    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which hands freed
    # memory back to the system at once, so that every large temporary array
    # faults its pages in again: the gradient steps run several times slower
    # (benchmarks/README.md).  These workers keep it.
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    dask.config.set({"distributed.nanny.pre-spawn-environ": environ})
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    X, y = make_data(args.rows, args.features, args.chunk)
    size = (X.nbytes + y.nbytes) / 1e6
    print(f"{args.workers} workers; making {args.rows:,} rows x {args.features} features "
          f"({size:,.0f} MB) on the workers, in {X.numblocks[0]} chunks")
    X, y = client.persist([X, y])
    progress([X, y])  # (a progress bar while the workers make the data)
    wait([X, y])
    print()

    d, hidden = args.features, 16
    rng = np.random.default_rng(2)
    w, b = train("logistic regression", logistic_loss, (np.zeros(d), 0.0), X, y, args.steps)
    mlp = train("MLP, one tanh layer of 16", mlp_loss,
                (rng.normal(size=(d, hidden)) / np.sqrt(d), np.zeros(hidden),
                 rng.normal(size=hidden) / np.sqrt(hidden), 0.0), X, y, args.steps)

    print(f"\ntraining accuracy: logistic {accuracy(lambda w, b, X: X @ w + b, (w, b), X, y):.3f}, "
          f"MLP {accuracy(lambda W1, b1, w2, b2, X: np.tanh(X @ W1 + b1) @ w2 + b2, mlp, X, y):.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # (kB on Linux)
    print(f"client process peak memory: {peak:,.0f} MB, for {size:,.0f} MB of data "
          f"on the workers")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
