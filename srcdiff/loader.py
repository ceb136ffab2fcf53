"""Loader: compile generated text into live functions.

The text is wrapped in a factory whose parameters are the names the code
needs besides the user's globals (the runtime alias, NumPy and ``math``
aliases, helper derivatives, the free variables of the original function).
The factory runs with the original function's own globals dict, so global
reads stay live and nothing is added to the user's module.  The text is
registered in ``linecache`` under a unique ``<srcdiff ...>`` name, so
tracebacks, pdb and ``inspect.getsource`` show the generated lines.

A unit is compiled once (``compile_unit``) and bound to each function object
it serves (``instantiate``): the function's own closure cells are linked in,
so a closure variable is read as it is at the call (``nonlocal`` rebinding is
seen), and each helper derivative is reached through a cell of its own
(filled once that helper is made: mutual recursion needs nothing else).

The guard: the first statement the function runs (on its ``def`` line, not
in the text people read) checks that what the transformation relied on still
holds, the function's ``__code__`` and the callees it resolved by name
(``unit.assumptions``), and otherwise hands the call to a derivative made
anew::

    if _srcdiff_func.__code__ is not _srcdiff_code or np.sin is not _srcdiff_0:
        return _srcdiff_rebuild(x)

The same test, as a function of no arguments (``check``, false also where a
callee is gone), tells the caches whether a derivative they hold may be
handed out again.
"""

import ast
import hashlib
import itertools
import linecache
import math
import textwrap
import types

import numpy

from . import runtime

FACTORY = "_srcdiff_factory"
RESERVED = "_srcdiff_"   # names of the factory's own (never a user's)
FUNC, CODE, REBUILD, CHECK, LINKS = (RESERVED + n for n in ("func", "code", "rebuild", "check",
                                                             "links"))

_NAMED = {"numpy": numpy, "math": math, "runtime": runtime}


def reserved(name):
    return name.startswith(RESERVED)


def compile_unit(unit):
    """Compile ``unit.text`` (with the guard of ``unit.assumptions`` when the
    unit has a function of its own) into ``unit.template``, the function made
    with the values seen while transforming, and ``unit.check``."""
    guarded = unit.info.func is not None
    constants, condition = _condition(unit) if guarded else ({}, None)
    params = list(unit.injections) + ([FUNC, REBUILD, LINKS] + list(constants)
                                      if guarded else [])
    returned = f"{unit.name}, {CHECK}" if guarded else f"{unit.name}, None"
    # (the check is asked outside any call: a callee that is gone fails it)
    check = (f"def {CHECK}():\n    try:\n        return not ({condition})\n"
             f"    except Exception:\n        return False\n" if guarded else "")
    wrapper = (f"def {FACTORY}({', '.join(params)}):\n"
               + textwrap.indent(unit.text + check, "    ")
               + f"    return {returned}\n")
    digest = hashlib.sha1(wrapper.encode()).hexdigest()[:10]
    filename = f"<srcdiff {unit.name} {digest}>"
    # linecache gets the text as the reader should see it: the same lines, not
    # indented by the factory (tracebacks and pdb count lines, not columns)
    shown = (f"# {FACTORY}({', '.join(unit.injections)}):\n" + unit.text
             + f"# return {unit.name}\n")
    linecache.cache[filename] = (len(shown), None, shown.splitlines(True), filename)
    tree = ast.parse(wrapper, filename)
    if guarded:
        # (what it learnt of the functions it calls, their results' shapes, may
        # no longer hold when one of theirs changed: the helpers are asked too)
        _insert_guard(tree.body[0], unit.name,
                      f"{condition} or not {LINKS}()" if unit.deps else condition)
    namespace = {}
    exec(compile(tree, filename, "exec"), unit.info.globals, namespace)
    values = [_value(spec) for spec in unit.injections.values()]
    if guarded:
        values += [unit.info.func, None, None] + list(constants.values())
    unit.template, unit.check = namespace[FACTORY](*values)
    unit.filename = filename


def _condition(unit):
    """The guard's test (true when the unit no longer fits) and its constants
    (``False`` when there is nothing to test: the compiler drops the guard)."""
    tests, constants = [], {}
    if unit.guards_code:
        # (a called function's derivative tests not its own code: its callers
        # test the code of what they call, and it is cached by code)
        tests.append(f"{FUNC}.__code__ is not {CODE}")
        constants[CODE] = unit.info.func.__code__
    if hasattr(unit.info.func, "__srcdiff_current__"):  # srcdiff's own output
        tests.append(f"not {FUNC}.__srcdiff_current__()")
    numbers = itertools.count()

    def constant(value):
        name = f"{RESERVED}{next(numbers)}"  # _srcdiff_0, _srcdiff_1 ...
        constants[name] = value
        return name

    for chain, value in unit.assumptions:
        expr = ".".join(chain)
        same = "!=" if isinstance(value, types.MethodType) else "is not"
        tests.append(f"{expr} {same} {constant(value)}")
        code = getattr(value, "__code__", None)
        if isinstance(code, types.CodeType):
            tests.append(f"{expr}.__code__ is not {constant(code)}")
        if hasattr(value, "__srcdiff_current__"):
            tests.append(f"not {expr}.__srcdiff_current__()")
    return constants, " or ".join(tests) or "False"


def _insert_guard(factory, name, condition):
    """``if <condition>: return _srcdiff_rebuild(<the arguments>)`` as the first
    statement of the generated function, placed on its ``def`` line."""
    fn = next(n for n in factory.body if isinstance(n, ast.FunctionDef) and n.name == name)
    a = fn.args
    args = [p.arg for p in a.posonlyargs + a.args] + (
        [f"*{a.vararg.arg}"] if a.vararg else []) + [
        f"{p.arg}={p.arg}" for p in a.kwonlyargs] + ([f"**{a.kwarg.arg}"] if a.kwarg else [])
    guard = ast.parse(f"if {condition}:\n    return {REBUILD}({', '.join(args)})\n").body[0]
    for node in ast.walk(guard):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = fn.lineno
            node.col_offset = node.end_col_offset = fn.col_offset
    docstring = fn.body and isinstance(fn.body[0], ast.Expr) \
        and isinstance(fn.body[0].value, ast.Constant) and isinstance(fn.body[0].value.value, str)
    fn.body.insert(1 if docstring else 0, guard)


def _value(spec):
    if isinstance(spec, str) and spec in _NAMED:
        return _NAMED[spec]
    if hasattr(spec, "deps"):  # a helper's unit or instance: linked in by instantiate
        return None
    return spec


def instantiate(unit, func, rebuild, cells, links_current=None):
    """The unit's function and check bound to ``func``: its closure cells for its
    free variables, ``cells`` (name -> cell) for the helpers, ``rebuild`` and
    ``links_current`` (do the helpers it calls still fit?) for the guard.
    Returns (function, check)."""
    links = dict(cells)
    if func is not None and func.__closure__:
        links.update((name, cell) for name, cell in
                     zip(func.__code__.co_freevars, func.__closure__) if not reserved(name))
    if unit.check is not None:
        links[FUNC] = types.CellType(func)
        links[REBUILD] = types.CellType(rebuild)
        links[LINKS] = types.CellType(links_current)
    return _bind(unit.template, links), _bind(unit.check, links)


def _bind(template, links):
    if template is None:
        return None
    code = template.__code__
    closure = tuple(links.get(name, cell)
                    for name, cell in zip(code.co_freevars, template.__closure__ or ()))
    fn = types.FunctionType(code, template.__globals__, template.__name__,
                            template.__defaults__, closure)
    fn.__kwdefaults__ = template.__kwdefaults__
    fn.__qualname__ = template.__qualname__
    return fn
