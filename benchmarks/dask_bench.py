"""Gradient throughput on a Dask LocalCluster (1 and 2 worker processes)
against the NumPy gradient in one process, for the logistic loss and the MLP
of samples/dask_training.py; and, on 2 workers, the figures of issue 13: the
results are lazy Dask arrays, nothing is computed during the call, one
compute matches NumPy, and how much the client's peak memory grows.

    pip install -e '.[dask]'
    python benchmarks/dask_bench.py                   # 2,000,000 rows x 20, about 3 min
    python benchmarks/dask_bench.py --rows 500000 --repeats 3 --json out.json
    python benchmarks/dask_bench.py --no-trim         # workers keep freed memory

Every worker and the NumPy run use one thread (OMP/OPENBLAS/MKL_NUM_THREADS=1,
set before NumPy is imported; the workers inherit it).  A timed step is the
whole of ``dask.compute(*value_and_grad(loss)(params, X, y))`` (building the
graph and computing it) on data the workers made and hold (``persist``), or
``value_and_grad(loss)(params, X, y)`` on the same data as NumPy arrays;
rows per second = rows / median step time.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import dask  # noqa: E402
import numpy as np  # noqa: E402
from dask.distributed import Client, LocalCluster, wait  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dask_training import logistic_loss, make_data, mlp_loss  # noqa: E402

import srcdiff  # noqa: E402


def models(d, hidden=16):
    rng = np.random.default_rng(2)
    return {"logistic": (logistic_loss, (rng.normal(size=d) * 0.1, 0.1)),
            "mlp": (mlp_loss, (rng.normal(size=(d, hidden)) / np.sqrt(d), np.zeros(hidden),
                               rng.normal(size=hidden) / np.sqrt(hidden), 0.0))}


def timed(step, repeats):
    step()  # (warm: transformation, imports, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))


def peak_growth(work):
    """Rise of this process's peak resident memory over its memory before
    ``work()`` (Linux: /proc/self/clear_refs resets the peak), or None."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    before = _status("VmRSS:")
    work()
    return _status("VmHWM:") - before


def counted(work):
    """``work()``'s result and how many Dask computations it started."""
    calls = []
    outer = dask.base.get_scheduler()

    def schedule(dsk, keys, **kwargs):
        calls.append(keys)
        return outer(dsk, keys, **kwargs)
    with dask.config.set(scheduler=schedule):
        result = work()
    return result, len(calls)


def on_cluster(workers, args, out):
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    X, y = make_data(args.rows, args.features, args.chunk)
    X, y = client.persist([X, y])
    wait([X, y])
    for name, (loss, params) in models(args.features).items():
        vg = srcdiff.value_and_grad(loss, wrt=tuple(range(len(params))))
        seconds = timed(lambda: dask.compute(*vg(*params, X, y)), args.repeats)
        out[name][f"dask {workers}w"] = seconds
        if workers == 2:
            seen = {}

            def step():
                (value, grads), seen["calls"] = counted(lambda: vg(*params, X, y))
                seen["lazy"] = all(dask.is_dask_collection(r) for r in (value, *grads))
                seen["result"] = dask.compute(value, grads)
            growth = peak_growth(step)  # (the call and the computation)
            out[name]["lazy"] = seen["lazy"]
            out[name]["computations in the call"] = seen["calls"]
            out[name]["client peak growth MB"] = None if growth is None else growth / 1e6
            out[name]["dask result"] = seen["result"]
    client.close()
    cluster.close()


def relative_difference(a, b):
    if isinstance(b, (tuple, list)):
        return max(relative_difference(u, v) for u, v in zip(a, b))
    return float(np.max(np.abs(np.asarray(a) - b)) / max(np.max(np.abs(b)), 1e-300))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-trim", action="store_true",
                        help="workers without Dask's MALLOC_TRIM_THRESHOLD_=65536, which "
                             "hands freed memory back to the system at once (and so makes "
                             "every large temporary array fault its pages in again)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if args.no_trim:
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ})
    size = args.rows * (args.features + 1) * 8
    load = os.getloadavg()[0]
    print(f"{args.rows:,} rows x {args.features} features ({size / 1e6:,.0f} MB), chunks of "
          f"{args.chunk:,} rows, median of {args.repeats}; one thread per process; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the start"
          + ("; workers without MALLOC_TRIM_THRESHOLD_" if args.no_trim else ""))
    out = {name: {} for name in models(args.features)}
    for workers in (1, 2):
        on_cluster(workers, args, out)
    X, y = dask.compute(*make_data(args.rows, args.features, args.chunk),
                        scheduler="threads")  # (the same data, here in NumPy)
    for name, (loss, params) in models(args.features).items():
        vg = srcdiff.value_and_grad(loss, wrt=tuple(range(len(params))))
        out[name]["numpy"] = timed(lambda: vg(*params, X, y), args.repeats)
        out[name]["max relative difference"] = relative_difference(
            out[name].pop("dask result"), vg(*params, X, y))

    print(f"\n{'gradient':10s} {'numpy 1 process':>22s} {'dask 1 worker':>22s} "
          f"{'dask 2 workers':>22s}   (rows/s, s per step)")
    for name, r in out.items():
        cells = [f"{args.rows / r[k]:12,.0f} ({r[k]:6.3f} s)"
                 for k in ("numpy", "dask 1w", "dask 2w")]
        print(f"{name:10s} " + " ".join(f"{c:>22s}" for c in cells))
    print("\n2 workers:")
    for name, r in out.items():
        growth = r["client peak growth MB"]
        grown = "n/a" if growth is None else f"{growth:.2f} MB = {growth * 1e6 / size:.2%} of the data"
        print(f"  {name:9s} lazy Dask results: {r['lazy']}; computations during the call: "
              f"{r['computations in the call']}; one compute vs NumPy, max relative "
              f"difference {r['max relative difference']:.1e}; client peak memory growth "
              f"during the call and the computation: {grown}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"load average at the start": load, "no trim": args.no_trim,
                       "rows": args.rows, "features": args.features, "chunk": args.chunk,
                       "repeats": args.repeats, "data bytes": size,
                       "versions": {"dask": dask.__version__, "numpy": np.__version__},
                       "results": out}, f, indent=1)


if __name__ == "__main__":
    main()
