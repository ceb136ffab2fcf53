#!/usr/bin/env python
"""Benchmark srcdiff gradients against hand-written NumPy gradients and peers.

    python benchmarks/bench.py [--quick] [--json OUT.json] [--png OUT.png]
                               [--only NAME,...] [--contestants NAME,...]

Contestants: hand-written NumPy (the reference and baseline), srcdiff, and,
when importable, autograd, JAX (eager and jax.jit), PyTorch eager (float64,
CPU) and tangent.  Every gradient is checked against the hand-written one
before it is timed.  See benchmarks/README.md.
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
import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
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

RTOL = 1e-6


# ==========================================================================
# helpers
# ==========================================================================

def short_error(exc, limit=200):
    """One-line description: the first line of the message plus any 'hint:' line
    (multi-line messages that quote the source with a caret get unreadable
    when folded onto one line)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    keep = lines[:1] + [ln for ln in lines[1:] if ln.lower().startswith("hint")]
    msg = f"{type(exc).__name__}: {' / '.join(keep)}".strip()
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def as_tuple(result, wrt):
    """Normalise a gradient result to a tuple with one entry per wrt index."""
    if isinstance(wrt, tuple):
        if not isinstance(result, (tuple, list)):
            raise TypeError(f"expected a tuple of {len(wrt)} gradients, got {type(result).__name__}")
        return tuple(result)
    return (result,)


def wrt_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def compare(got, ref, wrt):
    """Return None if got matches ref, else a short description of the mismatch."""
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
        atol = 1e-8 * scale if scale > 0 else 1e-12
        if not np.allclose(g, r, rtol=RTOL, atol=atol):
            err = float(np.max(np.abs(g - r)))
            return f"gradient {k}: max abs err {err:.3g} (max |ref| {scale:.3g})"
    return None


def time_loops(fn, number):
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - t0
    finally:
        if gc_was_enabled:
            gc.enable()


def bench(fn, min_time, repeats):
    """timeit-style: pick a loop count so that one repeat takes >= min_time,
    then run `repeats` repeats.  Returns (median seconds per call, loops,
    per-call times of every repeat)."""
    number = 1
    while True:
        t = time_loops(fn, number)
        if t >= min_time:
            break
        if t <= 0:
            number *= 10
            continue
        # aim ~20% above min_time, grow at least 2x, at most 100x per step
        number = max(number * 2, min(number * 100, int(math.ceil(number * min_time * 1.2 / t))))
    times = [t / number]
    for _ in range(repeats - 1):
        times.append(time_loops(fn, number) / number)
    return statistics.median(times), number, times


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


def make_twin(func, np_like, extra_globals=None):
    """Exec func's own source with `np` bound to np_like (autograd.numpy,
    jax.numpy, a torch shim...) and return the new function."""
    src = textwrap.dedent(inspect.getsource(func))
    namespace = dict(func.__globals__)
    namespace["np"] = np_like
    if extra_globals:
        namespace.update(extra_globals)
    code = compile(src, inspect.getsourcefile(func) or "<twin>", "exec")
    exec(code, namespace)
    return namespace[func.__name__]


class Unsupported(Exception):
    """A contestant cannot express this workload (reported as n/a)."""


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
# prepare() raising means n/a for that workload.


class Hand:
    name = "hand"
    label = "hand"
    available = None
    numpy_based = True

    def version(self):
        return np.__version__

    def prepare(self, wl, args):
        g = wl.grad
        return (lambda: g(*args)), (lambda r: r), {}


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
        jargs = tuple(self.jnp.asarray(a, dtype=self.jnp.float64) for a in args)
        return self.jax.block_until_ready(jargs)

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


CONTESTANT_CLASSES = [Hand, Srcdiff, Autograd, JaxEager, JaxJit, Torch, Tangent]
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

def run_workload(wl, contestants, opts, log):
    args = wl.make_inputs()
    ref = wl.grad(*args)
    row = {"name": wl.name, "description": wl.description, "contestants": {}}
    hand_median = None

    calls = {}
    for c in contestants:
        cell = {"status": None}
        row["contestants"][c.name] = cell
        if c.available is not None:
            cell.update(status="n/a", reason=c.available)
            continue
        log(f"  {wl.name:<12} {c.name:<8} ", end="")
        try:
            t0 = time.perf_counter()
            call, to_numpy, info = c.prepare(wl, args)
            got = call()
            cell["setup_s"] = time.perf_counter() - t0
            cell.update(info)
        except Unsupported as exc:
            cell.update(status="n/a", reason=str(exc))
            log(f"n/a: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - a failing peer must not crash the run
            cell.update(status="n/a", reason=short_error(exc),
                        error=f"{type(exc).__name__}: {exc}")
            if opts.verbose:
                traceback.print_exc()
            log(f"n/a: {short_error(exc)}")
            continue
        try:
            mismatch = compare(to_numpy(got), ref, wl.wrt)
        except Exception as exc:  # noqa: BLE001
            mismatch = f"cannot compare result: {short_error(exc)}"
        if mismatch:
            cell.update(status="WRONG", reason=mismatch)
            log(f"WRONG: {mismatch}")
            continue
        try:
            median, loops, times = bench(call, opts.min_time, opts.repeats)
        except Exception as exc:  # noqa: BLE001
            cell.update(status="n/a", reason="raised while timing: " + short_error(exc))
            log(f"n/a: {cell['reason']}")
            continue
        cell.update(status="ok", median_s=median, loops=loops, times_s=times)
        if c.name == "hand":
            hand_median = median
        calls[c.name] = call
        log(fmt_time(median))

    # time the baseline again after the others and pool both sets of repeats,
    # so that a drift of the machine's speed during the workload biases the
    # ratios less
    if "hand" in calls:
        cell = row["contestants"]["hand"]
        try:
            _, loops, times = bench(calls["hand"], opts.min_time, opts.repeats)
            cell["times_s"] = cell["times_s"] + times
            cell["median_s"] = hand_median = statistics.median(cell["times_s"])
        except Exception as exc:  # noqa: BLE001
            cell["retime_error"] = short_error(exc)

    for name, cell in row["contestants"].items():
        if cell["status"] == "ok" and hand_median:
            cell["ratio"] = cell["median_s"] / hand_median
    row["hand_median_s"] = hand_median

    # peak memory of one gradient call (numpy-based contestants only:
    # tracemalloc does not see torch's or XLA's buffers)
    for c in contestants:
        if c.name in calls and c.numpy_based:
            try:
                row["contestants"][c.name]["peak_bytes"] = peak_memory(calls[c.name])
            except Exception as exc:  # noqa: BLE001
                row["contestants"][c.name]["peak_bytes_error"] = short_error(exc)
    hand_cell = row["contestants"].get("hand", {})
    sd_cell = row["contestants"].get("srcdiff", {})
    if hand_cell.get("peak_bytes") and sd_cell.get("peak_bytes") is not None:
        row["srcdiff_mem_ratio"] = sd_cell["peak_bytes"] / hand_cell["peak_bytes"]

    # cost of a cached srcdiff.grad(f) call
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
    """Check each hand-written gradient against central finite differences
    on a few coordinates (a sanity check of the reference itself)."""
    rng = np.random.default_rng(0)
    ok = True
    for wl in wls:
        args = list(wl.make_inputs())
        ref = as_tuple(wl.grad(*args), wl.wrt)
        worst = 0.0
        for k, i in enumerate(wrt_tuple(wl.wrt)):
            a = np.asarray(args[i], dtype=np.float64)
            idxs = [()] if a.ndim == 0 else [tuple(rng.integers(0, s) for s in a.shape) for _ in range(3)]
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
        ok &= good
        log(f"  {wl.name:<12} finite-difference rel err {worst:.2e} {'ok' if good else 'BAD'}")
    return ok


# ==========================================================================
# reporting
# ==========================================================================

def build_table(rows, contestants):
    notes = []

    def note(text):
        notes.append(text)
        return len(notes)

    peers = [c for c in contestants if c.name != "hand"]
    header = ["workload", "hand"] + [c.label for c in peers]
    has_sd = any(c.name == "srcdiff" for c in contestants)
    has_jit = any(c.name == "jax.jit" for c in contestants)
    if has_sd:
        header += ["sd transform ms", "sd cached grad()", "sd/hand mem"]
    if has_jit:
        header += ["jit compile ms"]

    # a contestant n/a everywhere for the same reason gets one note
    whole_column = {}
    for c in peers:
        reasons = {(r["contestants"][c.name]["status"], r["contestants"][c.name].get("reason"))
                   for r in rows}
        if len(reasons) == 1:
            status, reason = next(iter(reasons))
            if status == "n/a":
                whole_column[c.name] = note(f"{c.name}: n/a: {reason}")

    lines = []
    for r in rows:
        cells = [r["name"], fmt_time(r.get("hand_median_s"))]
        for c in peers:
            cell = r["contestants"][c.name]
            st = cell["status"]
            if st == "ok":
                cells.append(f"{cell['ratio']:.2f}x" if "ratio" in cell else fmt_time(cell["median_s"]))
            elif c.name in whole_column:
                cells.append(f"n/a[{whole_column[c.name]}]")
            else:
                k = note(f"{c.name} on {r['name']}: {st}: {cell.get('reason')}")
                cells.append(f"{st}[{k}]")
        if has_sd:
            sd = r["contestants"]["srcdiff"]
            if "create_s" in sd:
                cells.append(f"{sd['create_s'] * 1e3:.1f}+{sd['first_call_s'] * 1e3:.1f}")
            else:
                cells.append("-")
            cells.append(fmt_time(r.get("srcdiff_cached_grad_s")))
            cells.append(f"{r['srcdiff_mem_ratio']:.2f}" if "srcdiff_mem_ratio" in r else "-")
        if has_jit:
            j = r["contestants"]["jax.jit"]
            cells.append(f"{j['compile_s'] * 1e3:.0f}" if "compile_s" in j else "-")
        lines.append(cells)

    widths = [max(len(str(x[i])) for x in [header] + lines) for i in range(len(header))]

    def fmt_row(cells):
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest)

    out = [fmt_row(header), "  ".join("-" * w for w in widths)]
    out += [fmt_row(x) for x in lines]
    legend = [
        "",
        "hand = median time per call of the hand-written NumPy gradient; other contestant",
        "columns = their median time / hand's (lower is better). WRONG = gradient differs",
        f"from the hand-written one (rtol {RTOL:g}), not timed.",
    ]
    if has_sd:
        legend += [
            "sd transform ms = first srcdiff.grad(f) call (cache cleared) + first call of the",
            "result; sd cached grad() = time of a repeated srcdiff.grad(f) call; sd/hand mem =",
            "tracemalloc peak of one srcdiff gradient call / one hand-written call.",
        ]
    if has_jit:
        legend += ["jit compile ms = first call of jax.jit(jax.grad(f)): trace + compile + run."]
    if notes:
        legend += ["", "notes:"] + [f"  [{i}] {t}" for i, t in enumerate(notes, 1)]
    return "\n".join(out + legend)


def write_png(rows, contestants, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # noqa: BLE001
        return f"no PNG: matplotlib not importable ({short_error(exc)})"
    peers = [c for c in contestants if c.name != "hand"
             and any("ratio" in r["contestants"][c.name] for r in rows)]
    if not peers:
        return "no PNG: no contestant has a ratio to plot"
    names = [r["name"] for r in rows]
    width = 0.8 / len(peers)
    fig, ax = plt.subplots(figsize=(max(8, 1.4 * len(names) + 2), 5))
    for k, c in enumerate(peers):
        xs, ys = [], []
        for i, r in enumerate(rows):
            ratio = r["contestants"][c.name].get("ratio")
            if ratio is not None:
                xs.append(i - 0.4 + width * (k + 0.5))
                ys.append(ratio)
        ax.bar(xs, ys, width=width, label=c.label)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20)
    ax.set_ylabel("time / hand-written time (log scale, lower is better)")
    ax.set_title("Gradient time relative to hand-written NumPy")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="0.05 s per repeat, 3 repeats (default 0.2 s, 5 repeats)")
    p.add_argument("--json", metavar="OUT.json", help="write all measurements as JSON")
    p.add_argument("--png", metavar="OUT.png", help="write a bar chart of ratios (needs matplotlib)")
    p.add_argument("--only", metavar="NAME,...",
                   help="workloads to run: " + ",".join(w.name for w in W.WORKLOADS))
    p.add_argument("--contestants", metavar="NAME,...",
                   help="contestants to run (hand always runs): " + ",".join(CONTESTANT_NAMES))
    p.add_argument("--verify-refs", action="store_true",
                   help="first check the hand-written gradients with finite differences")
    p.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    p.add_argument("--no-progress", action="store_true", help="do not print per-cell progress")
    opts = p.parse_args(argv)

    opts.min_time, opts.repeats = (0.05, 3) if opts.quick else (0.2, 5)

    wls = W.WORKLOADS
    if opts.only:
        names = [n.strip() for n in opts.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in W.BY_NAME]
        if unknown:
            p.error(f"unknown workload(s) {', '.join(unknown)}; known: "
                    + ", ".join(w.name for w in W.WORKLOADS))
        wls = [W.BY_NAME[n] for n in names]
    selected = set(CONTESTANT_NAMES)
    if opts.contestants:
        selected = {n.strip() for n in opts.contestants.split(",") if n.strip()}
        unknown = selected - set(CONTESTANT_NAMES)
        if unknown:
            p.error(f"unknown contestant(s) {', '.join(sorted(unknown))}; known: "
                    + ", ".join(CONTESTANT_NAMES))
        selected.add("hand")

    def log(msg="", end="\n"):
        if not opts.no_progress:
            print(msg, end=end, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if opts.verify_refs:
        log("verifying hand-written gradients against finite differences:")
        if not verify_references(wls, log):
            log("some hand-written gradient looks wrong")
            return 1

    contestants = make_contestants(selected)
    versions = {}
    for c in contestants:
        if c.available is None:
            try:
                versions[c.name] = c.version()
            except Exception as exc:  # noqa: BLE001
                versions[c.name] = f"? ({short_error(exc)})"
        else:
            versions[c.name] = f"n/a: {c.available}"
    log(f"pinned to cpu {PINNED_CPU}; min {opts.min_time} s per repeat, {opts.repeats} repeats")
    for name, v in versions.items():
        log(f"  {name:<8} {v}")

    rows = [run_workload(wl, contestants, opts, log) for wl in wls]

    table = build_table(rows, contestants)
    print()
    print(table)
    elapsed = time.perf_counter() - started
    print(f"\n(total {elapsed:.0f} s, {'quick' if opts.quick else 'full'} run, cpu {PINNED_CPU})")

    if opts.json:
        meta = {
            "quick": opts.quick,
            "min_time_s": opts.min_time,
            "repeats": opts.repeats,
            "pinned_cpu": PINNED_CPU,
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
            json.dump({"meta": meta, "workloads": rows}, fh, indent=1)
        print(f"wrote {opts.json}")
    if opts.png:
        problem = write_png(rows, contestants, opts.png)
        print(problem if problem else f"wrote {opts.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
