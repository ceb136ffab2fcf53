"""``srcdiff PATH.py:FUNC [--wrt NAMES] [--mode forward|vjp] [--order N]``: print the
generated derivative source (``--order N``: the Taylor-mode code of the first
``N`` derivatives)."""

import argparse
import importlib.util
import inspect
import os
import sys
import warnings

from . import api
from .errors import SrcdiffError, SrcdiffWarning
from .higher import derivative


def _parser():
    p = argparse.ArgumentParser(
        prog="srcdiff",
        description="Print the derivative srcdiff generates for a Python function.")
    p.add_argument("target", help="PATH.py:FUNC (FUNC may be dotted, e.g. Model.loss)")
    p.add_argument("--wrt", default=None,
                   help="comma-separated argument names or indices (default: the first "
                        "argument; for Class.method the first after self, and indices "
                        "count from there); more than one gives a tuple of gradients")
    p.add_argument("--value", action="store_true",
                   help="generate value_and_grad instead of grad")
    p.add_argument("--mode", choices=("reverse", "forward", "vjp"), default="reverse",
                   help="reverse (the gradient, default), forward (the Jacobian-vector "
                        "product: tangent code next to the primal) or vjp (the forward "
                        "sweep, returning the value and the adjoint sweep as a function: "
                        "srcdiff.vjp)")
    p.add_argument("--order", type=int, default=1,
                   help="the first N derivatives in one argument (a number) by Taylor mode: "
                        "its coefficients next to each value, with the code of every helper "
                        "it calls; where a function has no Taylor rule, or with --value, "
                        "grad applied N times")
    return p


def _load(target):
    path, sep, func_name = target.rpartition(":")
    if not sep or not path or not func_name:
        raise _Usage(f"expected PATH.py:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise _Usage(f"no such file: {path}")
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = "_srcdiff_cli_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's module failed to import
        raise _Usage(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    obj, owner = module, None
    for part in func_name.split("."):
        if not hasattr(obj, part):
            raise _Usage(f"{path} has no function {func_name!r}")
        owner, obj = obj, getattr(obj, part)
    if not callable(obj):
        raise _Usage(f"{func_name!r} in {path} is not a function")
    # Class.method: a function taking self first (not a static or class method)
    method = inspect.isclass(owner) and inspect.isfunction(obj) and not isinstance(
        inspect.getattr_static(owner, func_name.rsplit(".", 1)[-1]), staticmethod)
    return obj, method


class _Usage(Exception):
    pass


def _wrt(text, method=False):
    """``--wrt`` as srcdiff's wrt.  For ``Class.method`` indices count the
    arguments after ``self`` (as for a bound method), so the default is the
    first of them; ``--wrt self`` names ``self``."""
    if text is None:
        return 1 if method else 0
    items = [w.strip() for w in text.split(",") if w.strip()]
    parsed = tuple(int(w) + (method and int(w) >= 0) if w.lstrip("-").isdigit() else w
                   for w in items)
    return parsed[0] if len(parsed) == 1 else parsed


def main(argv=None, stdout=None):
    stdout = stdout or sys.stdout
    args = _parser().parse_args(argv)
    try:
        func, method = _load(args.target)
        wrt = _wrt(args.wrt, method)
        if args.order < 1:
            raise _Usage(f"--order must be at least 1, got {args.order}")
        if args.mode in ("forward", "vjp"):
            if args.order != 1 or args.value:
                raise _Usage(f"--mode {args.mode} prints a first-order derivative; it "
                             "takes neither --order nor --value")
            text = api.source(func, wrt=wrt, mode="jvp" if args.mode == "forward" else "vjp")
        elif args.order > 1 and not args.value and isinstance(wrt, (int, str)):
            text = _taylor_source(func, wrt, args.order)
        else:
            if args.order > 1:
                func = derivative(func, order=args.order - 1, wrt=wrt)
            mode = "value_and_grad" if args.value else "grad"
            text = api.source(func, wrt=wrt, mode=mode)
    except (_Usage, SrcdiffError) as exc:
        print(f"srcdiff: error: {exc}", file=sys.stderr)
        return 2
    stdout.write(text)
    return 0


def _taylor_source(func, wrt, order):
    """The Taylor-mode code of ``func`` to ``order``; where there is none, the
    nested gradient's (with the reason on stderr)."""
    try:
        return api.source(func, wrt=wrt, mode=f"taylor{order}")
    except SrcdiffError as exc:
        print(f"srcdiff: no Taylor mode: {exc.message}; printing grad applied {order} "
              "times", file=sys.stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SrcdiffWarning)
        nested = derivative(func, order=order - 1, wrt=wrt)
    return api.source(nested, wrt=wrt, mode="grad")


if __name__ == "__main__":
    sys.exit(main())
