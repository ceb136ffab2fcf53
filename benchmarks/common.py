"""What bench.py and bench_higher.py share: timing, errors in one line,
twins of a function for the peers, time limits, and the table's cells."""

import contextlib
import gc
import inspect
import math
import os
import signal
import statistics
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def short_error(exc, limit=300):
    """One-line description: the first line of the message plus any 'hint:' line
    (multi-line messages that quote the source with a caret get unreadable
    when folded onto one line), with paths relative to the checkout."""
    text = str(exc).replace(str(HERE.parent) + os.sep, "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    keep = lines[:1] + [ln for ln in lines[1:] if ln.lower().startswith("hint")]
    msg = f"{type(exc).__name__}: {' / '.join(keep)}".strip()
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


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


class Timeout(Exception):
    """A contestant's set-up (transformation, compilation, first call) ran
    over --timeout (reported as timeout)."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise Timeout in the block after `seconds` of wall time (SIGALRM: the
    exception comes at the next Python bytecode, so a long C call such as an
    XLA compilation finishes first).  No limit where there is no setitimer
    or seconds is falsy."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise Timeout(f"set-up took longer than {seconds:g} s (--timeout)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Notes:
    """Numbered footnotes of a table: `cell(status, text)` gives 'status[k]'."""

    def __init__(self):
        self.texts = []

    def add(self, text):
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1

    def cell(self, status, text):
        return f"{status}[{self.add(text)}]"

    def lines(self):
        if not self.texts:
            return []
        return ["", "notes:"] + [f"  [{i}] {t}" for i, t in enumerate(self.texts, 1)]


def status_cell(cell, who, where, notes, fmt):
    """A table cell: fmt(cell) when ok, else 'n/a[k]', 'WRONG[k]', 'timeout[k]'."""
    if cell.get("status") == "ok":
        return fmt(cell)
    return notes.cell(cell.get("status") or "n/a", f"{who} on {where}: {cell.get('status')}: "
                      f"{cell.get('reason')}")


def format_table(header, lines):
    widths = [max(len(str(x[i])) for x in [header] + lines) for i in range(len(header))]

    def fmt_row(cells):
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest)

    return [fmt_row(header), "  ".join("-" * w for w in widths)] + [fmt_row(x) for x in lines]
