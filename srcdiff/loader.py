"""Loader: compile generated text into a live function.

The text is wrapped in a factory whose parameters are the names the code
needs besides the user's globals (the runtime alias, NumPy and ``math``
aliases, helper VJPs, the closure values of the original function).  The
factory runs with the original function's own globals dict, so global reads
stay live and nothing is added to the user's module.  The text is registered
in ``linecache`` under a unique ``<srcdiff ...>`` name, so tracebacks, pdb and
``inspect.getsource`` show the generated lines.
"""

import hashlib
import linecache
import math
import textwrap

import numpy

from . import runtime

FACTORY = "_srcdiff_factory"

_NAMED = {"numpy": numpy, "math": math, "runtime": runtime}


def _value(spec):
    if isinstance(spec, str) and spec in _NAMED:
        return _NAMED[spec]
    if hasattr(spec, "function") and hasattr(spec, "deps"):  # a Unit
        return spec.function
    return spec


def compile_unit(unit):
    """Compile ``unit.text`` and set ``unit.factory`` and ``unit.function``."""
    params = list(unit.injections)
    wrapper = (f"def {FACTORY}({', '.join(params)}):\n"
               + textwrap.indent(unit.text, "    ")
               + f"    return {unit.name}\n")
    digest = hashlib.sha1(wrapper.encode()).hexdigest()[:10]
    filename = f"<srcdiff {unit.name} {digest}>"
    # linecache gets the text as the reader should see it: the same lines, not
    # indented by the factory (tracebacks and pdb count lines, not columns)
    shown = (f"# {FACTORY}({', '.join(params)}):\n" + unit.text
             + f"# return {unit.name}\n")
    linecache.cache[filename] = (len(shown), None, shown.splitlines(True), filename)
    code = compile(wrapper, filename, "exec")
    namespace = {}
    exec(code, unit.info.globals, namespace)
    unit.factory = namespace[FACTORY]
    unit.filename = filename
    unit.function = instantiate(unit, {})


def instantiate(unit, overrides):
    """A function object of the unit, with some injected values replaced."""
    values = [overrides[name] if name in overrides else _value(spec)
              for name, spec in unit.injections.items()]
    return unit.factory(*values)
