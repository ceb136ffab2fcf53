"""Higher-order derivatives for ``bench.py --higher``.

The cases are ``workloads.HIGHER``: an ``order``-th derivative of a function
of one float (``srcdiff.derivative``; nested ``jax.grad`` / ``autograd.grad``)
or a Hessian (``srcdiff.hessian``; ``jax.hessian``, ``autograd.hessian``), and
a hand-written version where one is natural.  Every result is checked against
jax.jit's (autograd's when jax is missing) to ``RTOL`` before it is timed;
times are microseconds per call.  srcdiff's build (``derivative(f, n)`` or
``hessian(f)`` after ``clear_cache()`` plus the first call) and every other
set-up run under ``--timeout``.
"""

import time

import numpy as np

from common import (Notes, Timeout, Unsupported, bench, format_table, make_twin, short_error,
                    status_cell, time_limit)

CONTESTANTS = ("srcdiff", "autograd", "jax.jit")
RTOL = 1e-9


def _nested(grad, f, order):
    for _ in range(order):
        f = grad(f)
    return f


def prepare_hand(case, args):
    if case.hand is None:
        return None
    hand = case.hand
    return (lambda: hand(*args)), {}


def prepare_srcdiff(c, case, args):
    sd = c.mod
    c.clear_cache()            # the build time is the whole chain's
    t0 = time.perf_counter()
    if case.kind == "derivative":
        fn = sd.derivative(case.primal, order=case.order)
    else:
        fn = sd.hessian(case.primal)
    fn(*args)
    info = {"build_s": time.perf_counter() - t0}
    try:
        info.update(code_size(sd, case))
    except Exception as exc:  # noqa: BLE001
        info["lines_error"] = short_error(exc)
    return (lambda: fn(*args)), info


def code_size(sd, case):
    """Lines of the generated code: of the function that computes the result
    (with its helper functions, as ``srcdiff.source`` prints it), and of every
    function generated on the way (for the Hessian: the gradient and its JVP)."""
    def lines(text):
        return len(text.splitlines())

    if case.kind == "hessian":
        # the gradient specialised on the argument's shapes, and its JVP for a
        # batch of directions (what hessian runs; the JVP one direction at a
        # time where the batch cannot go through)
        from srcdiff import derivatives, higher
        args = case.make_inputs()
        gradient = higher._grad(case.primal, 0)
        special = higher._specialized(gradient, args, tuple(np.shape(a) for a in args))
        grad_lines = lines(derivatives.source(special, 0, "grad")
                           if special is gradient else special.__srcdiff_unit__.text)
        try:
            final = lines(derivatives.source(special, 0, "jvp:batched"))
        except sd.SrcdiffError:
            final = lines(sd.source(gradient, mode="jvp"))
        return {"lines": final, "lines_total": grad_lines + final}
    # derivative(f, n) of a number: the Taylor-mode code, one function (and
    # those of the functions it calls), made once
    taylor = lines(sd.source(case.primal, mode=f"taylor{case.order}"))
    return {"lines": taylor, "lines_total": taylor}


def prepare_autograd(c, case, args):
    twin = make_twin(case.primal, c.anp)
    if case.kind == "derivative":
        fn = _nested(c.ag.grad, twin, case.order)
    else:
        fn = c.ag.hessian(twin)
    return (lambda: fn(*args)), {}


def prepare_jax_jit(c, case, args):
    jax = c.jax
    twin = make_twin(case.primal, c.jnp)
    if case.kind == "derivative":
        fn = _nested(jax.grad, twin, case.order)
    else:
        fn = jax.hessian(twin)
    fn = jax.jit(fn)
    jargs = c._args(args)
    block = jax.block_until_ready
    t0 = time.perf_counter()
    block(fn(*jargs))               # trace + compile + run once
    return (lambda: block(fn(*jargs))), {"compile_s": time.perf_counter() - t0}


PREPARE = {"srcdiff": prepare_srcdiff, "autograd": prepare_autograd,
           "jax.jit": prepare_jax_jit}


def mismatch(got, ref):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return f"shape {got.shape}, expected {ref.shape}"
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    if np.allclose(got, ref, rtol=RTOL, atol=RTOL * scale if scale else 1e-15):
        return None
    err = float(np.max(np.abs(got - ref)))
    return f"max abs err {err:.3g} (max |ref| {scale:.3g}, rtol {RTOL:g})"


def run_case(case, contestants, opts, log):
    args = case.make_inputs()
    row = {"name": case.name, "description": case.description, "contestants": {}}
    runs = [("hand", lambda: prepare_hand(case, args))]
    runs += [(c.name, (lambda c=c: PREPARE[c.name](c, case, args))) for c in contestants
             if c.available is None]
    for c in contestants:
        if c.available is not None:
            row["contestants"][c.name] = {"status": "n/a", "reason": c.available}

    calls, results = {}, {}
    for name, prepare in runs:
        cell = row["contestants"][name] = {"status": None}
        log(f"  {case.name:<14} {name:<9} ", end="")
        try:
            with time_limit(opts.timeout):
                t0 = time.perf_counter()
                prepared = prepare()
                if prepared is None:
                    cell.update(status="none")
                    log("-")
                    continue
                call, info = prepared
                got = np.asarray(call(), dtype=np.float64)
                cell["setup_s"] = time.perf_counter() - t0
            cell.update(info)
        except Timeout as exc:
            cell.update(status="timeout", reason=str(exc))
            if name == "srcdiff":
                next(c for c in contestants if c.name == name).clear_cache()
        except Unsupported as exc:
            cell.update(status="n/a", reason=str(exc))
        except Exception as exc:  # noqa: BLE001
            cell.update(status="n/a", reason=short_error(exc),
                        error=f"{type(exc).__name__}: {exc}")
        if cell["status"] is not None:
            log(f"{cell['status']}: {cell['reason']}")
            continue
        calls[name], results[name] = call, got
        log(f"set up in {cell['setup_s']:.2f} s")

    # every result against jax.jit's (autograd's without jax)
    check = next((n for n in ("jax.jit", "autograd") if n in results), None)
    row["checked_against"] = check
    for name in list(calls):
        if check is None or name == check:
            continue
        problem = mismatch(results[name], results[check])
        if problem:
            row["contestants"][name].update(status="WRONG", reason=f"vs {check}: {problem}")
            del calls[name]
    if check is None and calls:
        row["unchecked"] = "neither jax nor autograd ran: nothing to check against"

    for name, call in calls.items():
        cell = row["contestants"][name]
        log(f"  {case.name:<14} {name:<9} ", end="")
        try:
            median, loops, times = bench(call, opts.min_time, opts.repeats)
        except Exception as exc:  # noqa: BLE001
            cell.update(status="n/a", reason="raised while timing: " + short_error(exc))
            log(f"n/a: {cell['reason']}")
            continue
        cell.update(status="ok", median_s=median, loops=loops, times_s=times)
        log(f"{median * 1e6:.4g} us")
    if check and results[check].ndim == 0:
        row["value"] = float(results[check])
    return row


def fmt_us(cell):
    us = cell["median_s"] * 1e6
    return f"{us:.3g}" if us < 1000 else f"{us:.0f}"


def build_table(rows, contestants):
    notes = Notes()
    names = ["hand"] + [c.name for c in contestants]
    header = ["case"] + names
    if "jax.jit" in names:
        header.append("jit compile ms")
    if "srcdiff" in names:
        header += ["sd build ms", "sd lines"]
    lines = []
    for r in rows:
        cells = [r["name"]]
        for name in names:
            cell = r["contestants"][name]
            cells.append("-" if cell["status"] == "none" else
                         status_cell(cell, name, r["name"], notes, fmt_us))
        if "jax.jit" in names:
            j = r["contestants"]["jax.jit"]
            cells.append(f"{j['compile_s'] * 1e3:.0f}" if "compile_s" in j else "-")
        if "srcdiff" in names:
            sd = r["contestants"]["srcdiff"]
            cells.append(f"{sd['build_s'] * 1e3:.0f}" if "build_s" in sd else "-")
            cells.append(f"{sd['lines']}/{sd['lines_total']}" if "lines" in sd else "-")
        if r.get("unchecked"):
            cells[0] += notes.cell("", r["unchecked"])
        lines.append(cells)
    legend = [
        "",
        "Microseconds per call (median; lower is better). hand = a hand-written derivative",
        "where one is natural (- where not). Every result is checked against jax.jit's",
        f"(autograd's without jax) to rtol {RTOL:g}: WRONG = differs, not timed.",
    ]
    if "jax.jit" in names:
        legend += ["jit compile ms = first call of jax.jit(nested jax.grad / jax.hessian): "
                   "trace + compile + run."]
    if "srcdiff" in names:
        legend += [
            "sd build ms = srcdiff.derivative(f, n) or srcdiff.hessian(f) after clear_cache(),",
            "plus the first call; sd lines = lines of the generated code that computes the",
            "result (the Taylor-mode code, srcdiff.source(f, mode='taylor<n>'), helpers",
            "included; for the Hessian the JVP of the gradient for a batch of directions) /",
            "of all the code generated on the way (Hessian: with the gradient's).",
            "timeout = set-up over --timeout.",
        ]
    legend += ["", "cases:"] + [f"  {r['name']}: {r['description']}" for r in rows]
    return "\n".join(format_table(header, lines) + legend + notes.lines())
