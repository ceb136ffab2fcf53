#!/usr/bin/env python
"""Benchmark srcdiff gradients against hand-written gradients and peers.

    python benchmarks/bench.py [--quick] [--json OUT.json] [--png OUT.png]
                               [--only NAME,...] [--contestants NAME,...]
    python benchmarks/bench.py --higher [--quick] [--only CASE,...]

Every workload has one or more hand-written gradients (the references:
straightforward NumPy, and where a careful person would write something
faster, `math` on floats or batched BPTT); every time is divided by the
fastest of them, the *best hand*.  Contestants: srcdiff and, when importable,
autograd, JAX (eager and jax.jit), PyTorch eager (float64, CPU) and tangent.
Every gradient is checked against the references before it is timed.
`--higher` measures higher-order derivatives instead.  See
benchmarks/README.md.
"""

# Pin BLAS/OpenMP to one thread before numpy (or any peer) is imported.
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"


def _pin_to_one_cpu():
    """Pin this process to one CPU of its current affinity set (the highest
    numbered: CPU 0 tends to take more interrupts).  Returns the CPU or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except OSError:
        return None


PINNED_CPU = _pin_to_one_cpu()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
# workloads.py lives next to this file; the srcdiff checkout one level up takes
# precedence over an installed copy, so the working tree is what gets measured.
for _p in (str(HERE.parent), str(HERE)):
    if _p in sys.path:
        sys.path.remove(_p)
    sys.path.insert(0, _p)

import numpy as np  # noqa: E402

import workloads as W  # noqa: E402
from common import (Notes, Timeout, Unsupported, bench, format_table, make_twin,  # noqa: E402
                    short_error, status_cell, time_limit)

RTOL = 1e-6


# ==========================================================================
# helpers
# ==========================================================================

def as_tuple(result, wrt):
    """Normalise a gradient result to a tuple with one entry per wrt index."""
    if isinstance(wrt, tuple):
        if not isinstance(result, (tuple, list)):
            raise TypeError(f"expected a tuple of {len(wrt)} gradients, got {type(result).__name__}")
        return tuple(result)
    return (result,)


def wrt_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def compare(got, ref, wrt, rtol=RTOL):
    """Return None if got matches ref (np.allclose with rtol and an atol of
    rtol/100 x max |ref|), else a short description of the mismatch."""
    try:
        got = as_tuple(got, wrt)
    except TypeError as exc:
        return str(exc)
    ref = as_tuple(ref, wrt)
    if len(got) != len(ref):
        return f"{len(got)} gradients, expected {len(ref)}"
    for k, (g, r) in enumerate(zip(got, ref)):
        g = np.asarray(g, dtype=np.float64)
        r = np.asarray(r, dtype=np.float64)
        if g.shape != r.shape:
            return f"gradient {k}: shape {g.shape}, expected {r.shape}"
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        atol = rtol * 1e-2 * scale if scale > 0 else 1e-12
        if not np.allclose(g, r, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(g - r)))
            return f"gradient {k}: max abs err {err:.3g} (max |ref| {scale:.3g})"
    return None


def peak_memory(fn):
    """tracemalloc peak (bytes) of one call of fn (numpy reports its buffers)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


# ==========================================================================
# contestants
# ==========================================================================
#
# A contestant has .name, .available (None or the reason it is not), and
# .prepare(workload, args) -> (call, to_numpy, info):
#   call()          computes the gradient (blocking until it is ready);
#   to_numpy(res)   turns call()'s result into what the hand-written gradient
#                   returns (used only for the check, outside of the timing);
#   info            dict of extra measurements (setup times...).
# prepare() raising means n/a for that workload.  The hand-written references
# are not contestants: run_workload runs every one of them (workloads.py).


def _srcdiff_warmup(x):
    return x * x + 1.0


class Srcdiff:
    name = "srcdiff"
    label = "srcdiff"
    numpy_based = True

    def __init__(self):
        self.available = None
        try:
            import srcdiff
            self.mod = srcdiff
            if not hasattr(srcdiff, "grad"):
                self.available = "srcdiff has no grad()"
        except Exception as exc:  # noqa: BLE001 - anything: the core may be half-written
            self.mod = None
            self.available = short_error(exc)
        self.warmup_s = None
        if self.available is None:
            # pay one-time costs (lazy imports, rule tables) before the first
            # workload, so its transform time is comparable with the others'
            try:
                t0 = time.perf_counter()
                self.mod.grad(_srcdiff_warmup)(1.0)
                self.warmup_s = time.perf_counter() - t0
            except Exception:  # noqa: BLE001
                pass
            try:
                self.clear_cache()
            except Exception:  # noqa: BLE001
                pass

    def version(self):
        return getattr(self.mod, "__version__", "?") + f" ({getattr(self.mod, '__file__', '?')})"

    def clear_cache(self):
        clear = getattr(self.mod, "clear_cache", None)
        if callable(clear):
            clear()
            return True
        return False

    def prepare(self, wl, args):
        sd = self.mod
        f, wrt = wl.primal, wl.wrt
        info = {"cache_cleared": self.clear_cache()}
        t0 = time.perf_counter()
        g = sd.grad(f, wrt=wrt)
        t1 = time.perf_counter()
        g(*args)
        t2 = time.perf_counter()
        info["create_s"] = t1 - t0
        info["first_call_s"] = t2 - t1
        return (lambda: g(*args)), (lambda r: r), info


class Autograd:
    name = "autograd"
    label = "autograd"
    numpy_based = True

    def __init__(self):
        self.available = None
        try:
            import autograd
            import autograd.numpy as anp
            self.ag, self.anp = autograd, anp
        except Exception as exc:  # noqa: BLE001
            self.available = short_error(exc)

    def version(self):
        from importlib.metadata import version
        return version("autograd")

    def prepare(self, wl, args):
        twin = make_twin(wl.primal, self.anp)
        wrt = wl.wrt
        if isinstance(wrt, int):
            g = self.ag.grad(twin, wrt)
            return (lambda: g(*args)), (lambda r: r), {}

        # autograd.grad takes one argnum: differentiate w.r.t. a tuple of params
        def packed(params, rest):
            full = list(rest)
            for i, p in zip(wrt, params):
                full[i] = p
            return twin(*full)

        g = self.ag.grad(packed, 0)
        params = tuple(args[i] for i in wrt)
        return (lambda: g(params, args)), tuple, {}


class _JaxBase:
    numpy_based = False

    def __init__(self):
        self.available = None
        try:
            import jax
            jax.config.update("jax_enable_x64", True)
            import jax.numpy as jnp
            self.jax, self.jnp = jax, jnp
        except Exception as exc:  # noqa: BLE001
            self.available = short_error(exc)

    def version(self):
        return self.jax.__version__

    def _grad_fn(self, wl):
        twin = make_twin(wl.primal, self.jnp)
        argnums = wl.wrt
        return self.jax.grad(twin, argnums=argnums)

    def _args(self, args):
        jargs = tuple(self._convert(a) for a in args)
        return self.jax.block_until_ready(jargs)

    def _convert(self, a):
        if isinstance(a, (list, tuple)):          # a list of arrays stays a list
            return type(a)(self._convert(x) for x in a)
        return self.jnp.asarray(a, dtype=self.jnp.float64)

    def _to_numpy(self, wl):
        if isinstance(wl.wrt, tuple):
            return lambda r: tuple(np.asarray(x) for x in r)
        return lambda r: np.asarray(r)


class JaxEager(_JaxBase):
    name = "jax"
    label = "jax"

    def prepare(self, wl, args):
        g = self._grad_fn(wl)
        jargs = self._args(args)
        block = self.jax.block_until_ready
        return (lambda: block(g(*jargs))), self._to_numpy(wl), {}


class JaxJit(_JaxBase):
    name = "jax.jit"
    label = "jax.jit"

    def prepare(self, wl, args):
        g = self.jax.jit(self._grad_fn(wl))
        jargs = self._args(args)
        block = self.jax.block_until_ready
        t0 = time.perf_counter()
        block(g(*jargs))  # trace + compile + run once
        compile_s = time.perf_counter() - t0
        return (lambda: block(g(*jargs))), self._to_numpy(wl), {"compile_s": compile_s}


class _TorchNumpy:
    """Just enough of the numpy namespace, on torch tensors, for the primals."""

    def __init__(self, torch):
        self._torch = torch

    def __getattr__(self, name):  # cos, sin, exp, log, tanh, ...
        try:
            return getattr(self._torch, name)
        except AttributeError:
            raise AttributeError(f"torch shim has no np.{name}") from None

    def sum(self, x, axis=None, keepdims=False):
        if axis is None:
            return self._torch.sum(x)
        return self._torch.sum(x, dim=axis, keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        if axis is None:
            return self._torch.mean(x)
        return self._torch.mean(x, dim=axis, keepdim=keepdims)

    def zeros(self, shape):
        return self._torch.zeros(shape, dtype=self._torch.float64)

    def max(self, x, axis=None, keepdims=False):
        if axis is None:
            return self._torch.amax(x)
        return self._torch.amax(x, dim=axis, keepdim=keepdims)

    def logaddexp(self, a, b):
        t = self._torch
        return t.logaddexp(t.as_tensor(a, dtype=t.float64), t.as_tensor(b, dtype=t.float64))


class Torch:
    name = "torch"
    label = "torch"
    numpy_based = False

    def __init__(self):
        self.available = None
        try:
            import torch
            torch.set_num_threads(1)
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:
                pass
            self.torch = torch
            self.shim = _TorchNumpy(torch)
        except Exception as exc:  # noqa: BLE001
            self.available = short_error(exc)

    def version(self):
        return self.torch.__version__

    def prepare(self, wl, args):
        torch = self.torch
        twin = make_twin(wl.primal, self.shim)
        wrt = wrt_tuple(wl.wrt)
        targs = []
        for i, a in enumerate(args):
            if isinstance(a, list):               # a list of arrays stays a list
                t = [torch.tensor(np.asarray(x, dtype=np.float64)) for x in a]
            else:
                t = torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)
                if i in wrt:
                    t.requires_grad_(True)
            targs.append(t)
        inputs = [targs[i] for i in wrt]
        grad = torch.autograd.grad

        def call():
            return grad(twin(*targs), inputs)

        if isinstance(wl.wrt, tuple):
            to_numpy = lambda r: tuple(x.detach().numpy() for x in r)  # noqa: E731
        else:
            to_numpy = lambda r: r[0].detach().numpy()  # noqa: E731
        return call, to_numpy, {}


class Tangent:
    name = "tangent"
    label = "tangent"
    numpy_based = True

    def __init__(self):
        self.available = None
        try:
            import tangent
            self.tangent = tangent
        except Exception as exc:  # noqa: BLE001
            self.available = short_error(exc)

    def version(self):
        try:
            from importlib.metadata import version
            return version("tangent-ad")
        except Exception:  # noqa: BLE001
            return getattr(self.tangent, "__version__", "?")

    def prepare(self, wl, args):
        t0 = time.perf_counter()
        g = self.tangent.grad(wl.primal, wrt=wrt_tuple(wl.wrt), verbose=0)
        info = {"create_s": time.perf_counter() - t0}
        return (lambda: g(*args)), (lambda r: r), info


CONTESTANT_CLASSES = [Srcdiff, Autograd, JaxJit, Tangent, JaxEager, Torch]
CONTESTANT_NAMES = [c.name for c in CONTESTANT_CLASSES]


def make_contestants(selected):
    made = []
    for cls in CONTESTANT_CLASSES:
        if cls.name not in selected:
            continue
        made.append(cls())
    return made


# ==========================================================================
# running
# ==========================================================================


def run_entry(label, prepare, check, wrt, opts, log):
    """Prepare one gradient (a reference or a contestant) within --timeout,
    check its result against `check` (skipped when None) and time it.
    Returns (cell, call or None, the result as NumPy or None)."""
    cell = {"status": None}
    log(f"  {label:<24} ", end="")
    try:
        with time_limit(opts.timeout):
            t0 = time.perf_counter()
            call, to_numpy, info = prepare()
            got = call()
            cell["setup_s"] = time.perf_counter() - t0
        cell.update(info)
        got = to_numpy(got)
    except Timeout as exc:
        cell.update(status="timeout", reason=str(exc))
    except Unsupported as exc:
        cell.update(status="n/a", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a failing peer must not crash the run
        cell.update(status="n/a", reason=short_error(exc),
                    error=f"{type(exc).__name__}: {exc}")
        if opts.verbose:
            traceback.print_exc()
    if cell["status"] is not None:
        log(f"{cell['status']}: {cell['reason']}")
        return cell, None, None
    if check is not None:
        try:
            mismatch = compare(got, check, wrt)
        except Exception as exc:  # noqa: BLE001
            mismatch = f"cannot compare result: {short_error(exc)}"
        if mismatch:
            cell.update(status="WRONG", reason=mismatch)
            log(f"WRONG: {mismatch}")
            return cell, None, None
    try:
        median, loops, times = bench(call, opts.min_time, opts.repeats)
    except Exception as exc:  # noqa: BLE001
        cell.update(status="n/a", reason="raised while timing: " + short_error(exc))
        log(f"n/a: {cell['reason']}")
        return cell, None, None
    cell.update(status="ok", median_s=median, loops=loops, times_s=times)
    log(fmt_time(median))
    return cell, call, got


def run_workload(wl, contestants, opts, log):
    """Every reference of the workload, then every contestant, then the
    references again (their two sets of repeats are pooled, so that a drift of
    the machine's speed during the workload biases the ratios less).  Ratios
    are to the fastest reference, the best hand."""
    args = wl.make_inputs()
    row = {"name": wl.name, "description": wl.description, "refs": {}, "contestants": {}}
    ref_calls, calls = {}, {}

    # the first reference that runs is the one the others are checked against
    check = None
    for label, fn in wl.refs:
        def prepare(fn=fn):
            return (lambda: fn(*args)), (lambda r: r), {}
        cell, call, got = run_entry(f"{wl.name} hand:{label}", prepare, check, wl.wrt, opts, log)
        row["refs"][label] = cell
        if call is not None:
            ref_calls[label] = call
            if check is None:
                check = got

    for c in contestants:
        if c.available is not None:
            row["contestants"][c.name] = {"status": "n/a", "reason": c.available}
            continue
        if check is None:
            row["contestants"][c.name] = {"status": "n/a",
                                          "reason": "no hand-written gradient to check against"}
            continue
        cell, call, _ = run_entry(f"{wl.name} {c.name}", lambda c=c: c.prepare(wl, args),
                                  check, wl.wrt, opts, log)
        row["contestants"][c.name] = cell
        if call is not None:
            calls[c.name] = call
        elif cell["status"] == "timeout" and c.name == "srcdiff":
            c.clear_cache()       # drop what the interrupted build left behind

    for label, call in ref_calls.items():
        cell = row["refs"][label]
        try:
            _, _, times = bench(call, opts.min_time, opts.repeats)
            cell["times_s"] = cell["times_s"] + times
            cell["median_s"] = statistics.median(cell["times_s"])
        except Exception as exc:  # noqa: BLE001
            cell["retime_error"] = short_error(exc)

    best = min(ref_calls, key=lambda label: row["refs"][label]["median_s"], default=None)
    row["best_ref"] = best
    row["best_s"] = row["refs"][best]["median_s"] if best else None
    for cell in list(row["refs"].values()) + list(row["contestants"].values()):
        if cell["status"] == "ok" and row["best_s"]:
            cell["ratio"] = cell["median_s"] / row["best_s"]

    # peak memory of one gradient call (references and NumPy-based contestants
    # only: tracemalloc does not see torch's or XLA's buffers)
    measured = [(row["refs"][k], f) for k, f in ref_calls.items()]
    measured += [(row["contestants"][c.name], calls[c.name]) for c in contestants
                 if c.name in calls and c.numpy_based]
    for cell, call in measured:
        try:
            cell["peak_bytes"] = peak_memory(call)
        except Exception as exc:  # noqa: BLE001
            cell["peak_bytes_error"] = short_error(exc)
    best_peak = row["refs"][best].get("peak_bytes") if best else None
    sd_cell = row["contestants"].get("srcdiff", {})
    if best_peak and sd_cell.get("peak_bytes") is not None:
        row["srcdiff_mem_ratio"] = sd_cell["peak_bytes"] / best_peak

    # cost of a cached srcdiff.grad(f) call (JSON only)
    sd = next((c for c in contestants if c.name == "srcdiff"), None)
    if sd is not None and sd.available is None and sd_cell.get("status") in ("ok", "WRONG"):
        try:
            f, wrt = wl.primal, wl.wrt
            grad = sd.mod.grad
            grad(f, wrt=wrt)
            med, _, _ = bench(lambda: grad(f, wrt=wrt), opts.min_time, opts.repeats)
            row["srcdiff_cached_grad_s"] = med
        except Exception as exc:  # noqa: BLE001
            row["srcdiff_cached_grad_error"] = short_error(exc)
    return row


def verify_references(wls, log):
    """Check every hand-written gradient against central finite differences
    on a few coordinates of each argument, and against the workload's first
    reference."""
    rng = np.random.default_rng(0)
    ok = True
    for wl in wls:
        args = list(wl.make_inputs())
        first = None
        for label, fn in wl.refs:
            got = fn(*args)
            ref = as_tuple(got, wl.wrt)
            worst = 0.0
            for k, i in enumerate(wrt_tuple(wl.wrt)):
                a = np.asarray(args[i], dtype=np.float64)
                idxs = [()] if a.ndim == 0 else [tuple(rng.integers(0, s) for s in a.shape)
                                                 for _ in range(3)]
                for idx in idxs:
                    h = 1e-6 * max(1.0, abs(float(a[idx])))
                    vals = []
                    for sgn in (1, -1):
                        b = a.copy()
                        b[idx] += sgn * h
                        full = list(args)
                        full[i] = float(b) if a.ndim == 0 else b
                        vals.append(float(wl.primal(*full)))
                    fd = (vals[0] - vals[1]) / (2 * h)
                    r = float(np.asarray(ref[k])[idx])
                    err = abs(fd - r) / max(1e-6, abs(r), abs(fd))
                    worst = max(worst, err)
            good = worst < 1e-4
            text = f"finite-difference rel err {worst:.2e} {'ok' if good else 'BAD'}"
            if first is None:
                first = got
            else:
                mismatch = compare(got, first, wl.wrt)
                good &= mismatch is None
                text += f"; vs {wl.refs[0][0]}: {mismatch or 'agree'}"
            ok &= good
            log(f"  {wl.name:<12} {label:<8} {text}")
    return ok


# ==========================================================================
# reporting
# ==========================================================================

def column_notes(rows, contestants, notes):
    """A contestant n/a on every row for the same reason gets one note."""
    whole = {}
    for c in contestants:
        reasons = {(r["contestants"][c.name]["status"], r["contestants"][c.name].get("reason"))
                   for r in rows}
        if len(reasons) == 1:
            status, reason = next(iter(reasons))
            if status == "n/a":
                whole[c.name] = notes.cell("n/a", f"{c.name}: n/a: {reason}")
    return whole


def build_table(rows, contestants):
    notes = Notes()
    names = [c.name for c in contestants]
    header = ["workload", "best hand", "numpy hand"]
    for c in contestants:
        header.append(c.label)
        if c.name == "jax.jit":
            header.append("jit compile ms")
    if "srcdiff" in names:
        header += ["sd transform ms", "sd/hand mem"]
    whole = column_notes(rows, contestants, notes)

    def ratio(cell):
        return f"{cell['ratio']:.2f}x"

    lines = []
    for r in rows:
        best = r.get("best_ref")
        cells = [r["name"], f"{fmt_time(r['best_s'])} {best}" if best else "n/a"]
        for label, cell in r["refs"].items():   # a failed reference is not hidden
            if cell["status"] != "ok" and label != "numpy":
                cells[-1] += notes.cell("", f"hand:{label} on {r['name']}: {cell['status']}: "
                                            f"{cell.get('reason')}")
        npcell = r["refs"].get("numpy", {"status": "n/a", "reason": "no NumPy reference"})
        cells.append("best" if best == "numpy" else
                     status_cell(npcell, "numpy hand", r["name"], notes, ratio))
        for c in contestants:
            cell = r["contestants"][c.name]
            cells.append(whole.get(c.name) or status_cell(cell, c.name, r["name"], notes, ratio))
            if c.name == "jax.jit":
                cells.append(f"{cell['compile_s'] * 1e3:.0f}" if "compile_s" in cell else "-")
        if "srcdiff" in names:
            sd = r["contestants"]["srcdiff"]
            if "create_s" in sd and "first_call_s" in sd:
                cells.append(f"{sd['create_s'] * 1e3:.1f}+{sd['first_call_s'] * 1e3:.1f}")
            else:
                cells.append("-")
            cells.append(f"{r['srcdiff_mem_ratio']:.2f}" if "srcdiff_mem_ratio" in r else "-")
        lines.append(cells)

    legend = [
        "",
        "best hand = median time per call of the fastest hand-written gradient of the",
        "workload, and which one (numpy: plain NumPy; math: the math module on Python",
        "floats; batched: BPTT with the weight gradients as products over all steps;",
        "inplace: NumPy updating its temporaries in place).",
        "Every other column = its median time / best hand's (lower is better), so",
        "'numpy hand' is the straightforward NumPy gradient, the old baseline ('best'",
        "when it is the fastest reference). WRONG = gradient differs from the first",
        f"reference (rtol {RTOL:g}), not timed; timeout = set-up over --timeout.",
    ]
    if "jax.jit" in names:
        legend += ["jit compile ms = first call of jax.jit(jax.grad(f)): trace + compile + run."]
    if "srcdiff" in names:
        legend += [
            "sd transform ms = first srcdiff.grad(f) call (cache cleared) + first call of the",
            "result; sd/hand mem = tracemalloc peak of one srcdiff gradient call / that of one",
            "best-hand call (on floats the peaks are a few hundred bytes to a few kB of Python",
            "objects; the bytes are in the JSON).",
        ]
    return "\n".join(format_table(header, lines) + legend + notes.lines())


def write_png(rows, contestants, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # noqa: BLE001
        return f"no PNG: matplotlib not importable ({short_error(exc)})"

    # one series per column: the NumPy reference (where there is a better one)
    # and every contestant with at least one ratio
    series = [("numpy hand", [r["refs"].get("numpy", {}).get("ratio")
                              if len(r["refs"]) > 1 else None for r in rows], None)]
    for c in contestants:
        cells = [r["contestants"][c.name] for r in rows]
        series.append((c.label, [cell.get("ratio") for cell in cells], cells))
    series = [s for s in series if any(v is not None for v in s[1])]
    if not series:
        return "no PNG: no ratio to plot"
    names = [r["name"] for r in rows]
    width = 0.84 / len(series)
    fig, ax = plt.subplots(figsize=(max(9, 1.25 * len(names) + 2.5), 5.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, ratios, cells) in enumerate(series):
        if label == "numpy hand":
            label, color = "numpy hand (old baseline)", "0.6"
        else:
            color = colors[k % len(colors)]
        xs = [i - 0.42 + width * (k + 0.5) for i in range(len(rows))]
        ax.bar([x for x, v in zip(xs, ratios) if v is not None],
               [v for v in ratios if v is not None], width=width, label=label, color=color)
        if label == "srcdiff":        # say where srcdiff has no bar, and why not
            for x, v, cell in zip(xs, ratios, cells):
                if v is None:
                    ax.text(x, 1.0, f" srcdiff {cell.get('status')}", rotation=90, ha="center",
                            va="bottom", fontsize=7, color=color)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=25, ha="right")
    ax.set_ylabel("time / best hand-written time (log, lower is better)")
    ax.set_title("Gradient time relative to the best hand-written gradient, one pinned core")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="0.05 s per repeat, 3 repeats, 20 s timeout "
                        "(default 0.2 s, 5 repeats, 120 s)")
    p.add_argument("--higher", action="store_true",
                   help="the higher-order table (derivative of order n, hessian) instead")
    p.add_argument("--json", metavar="OUT.json", help="write all measurements as JSON")
    p.add_argument("--png", metavar="OUT.png", help="write a bar chart of ratios (needs matplotlib)")
    p.add_argument("--only", metavar="NAME,...",
                   help="workloads to run: " + ",".join(w.name for w in W.WORKLOADS)
                   + " (with --higher: " + ",".join(c.name for c in W.HIGHER) + ")")
    p.add_argument("--contestants", metavar="NAME,...",
                   help="contestants to run (the hand-written references always run): "
                        + ",".join(CONTESTANT_NAMES))
    p.add_argument("--timeout", type=float, metavar="S",
                   help="limit on one contestant's set-up: transformation, compilation, "
                        "first call (0: none)")
    p.add_argument("--verify-refs", action="store_true",
                   help="first check the hand-written gradients with finite differences")
    p.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    p.add_argument("--no-progress", action="store_true", help="do not print per-cell progress")
    opts = p.parse_args(argv)

    opts.min_time, opts.repeats = (0.05, 3) if opts.quick else (0.2, 5)
    if opts.timeout is None:
        opts.timeout = 20.0 if opts.quick else 120.0

    known = W.HIGHER_BY_NAME if opts.higher else W.BY_NAME
    cases = list(known.values())
    if opts.only:
        names = [n.strip() for n in opts.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in known]
        if unknown:
            p.error(f"unknown {'case' if opts.higher else 'workload'}(s) {', '.join(unknown)}; "
                    f"known: {', '.join(known)}")
        cases = [known[n] for n in names]
    selected = set(CONTESTANT_NAMES)
    if opts.contestants:
        selected = {n.strip() for n in opts.contestants.split(",") if n.strip()} - {"hand"}
        unknown = selected - set(CONTESTANT_NAMES)
        if unknown:
            p.error(f"unknown contestant(s) {', '.join(sorted(unknown))}; known: "
                    + ", ".join(CONTESTANT_NAMES))
    if opts.higher:
        import bench_higher
        selected &= set(bench_higher.CONTESTANTS)
        if opts.verify_refs:
            p.error("--verify-refs checks the gradient workloads; --higher checks every "
                    "result against jax.jit / autograd anyway")

    def log(msg="", end="\n"):
        if not opts.no_progress:
            print(msg, end=end, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if opts.verify_refs:
        log("verifying hand-written gradients against finite differences:")
        if not verify_references(cases, log):
            log("some hand-written gradient looks wrong")
            return 1

    contestants = make_contestants(selected)
    versions = {"numpy": np.__version__}
    for c in contestants:
        if c.available is None:
            try:
                versions[c.name] = c.version()
            except Exception as exc:  # noqa: BLE001
                versions[c.name] = f"? ({short_error(exc)})"
        else:
            versions[c.name] = f"n/a: {c.available}"
    log(f"pinned to cpu {PINNED_CPU}; min {opts.min_time} s per repeat, {opts.repeats} repeats, "
        f"timeout {opts.timeout:g} s")
    for name, v in versions.items():
        log(f"  {name:<8} {v}")

    if opts.higher:
        rows = [bench_higher.run_case(case, contestants, opts, log) for case in cases]
        table = bench_higher.build_table(rows, contestants)
    else:
        rows = [run_workload(wl, contestants, opts, log) for wl in cases]
        table = build_table(rows, contestants)
    print()
    print(table)
    elapsed = time.perf_counter() - started
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"\n(total {elapsed:.0f} s, {'quick' if opts.quick else 'full'} run, cpu {PINNED_CPU}"
          + (f", load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}" if load else "") + ")")

    if opts.json:
        meta = {
            "quick": opts.quick,
            "higher": opts.higher,
            "min_time_s": opts.min_time,
            "repeats": opts.repeats,
            "timeout_s": opts.timeout,
            "pinned_cpu": PINNED_CPU,
            "load_average": load,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": versions,
            "env": {k: os.environ.get(k) for k in (
                "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
            "rtol": RTOL,
            "srcdiff_warmup_s": next((c.warmup_s for c in contestants if c.name == "srcdiff"), None),
            "total_s": elapsed,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        with open(opts.json, "w") as fh:
            json.dump({"meta": meta, "higher" if opts.higher else "workloads": rows}, fh, indent=1)
        print(f"wrote {opts.json}")
    if opts.png:
        if opts.higher:
            print("no PNG for --higher")
        else:
            problem = write_png(rows, contestants, opts.png)
            print(problem if problem else f"wrote {opts.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
