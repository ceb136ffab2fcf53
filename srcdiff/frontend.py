"""Frontend: a Python callable -> its parsed source and the values it sees.

The function's node is taken from the parse of its whole file (so line and
column numbers in errors are the real ones), matched by name and first line.
Everything that depends on the Python version or on how the callable was
made (lambda, decorator, bound method, srcdiff's own output) is settled here.
"""

import dis
import builtins
import dataclasses
import inspect
import linecache
import textwrap

import gast

from .errors import SourceError


@dataclasses.dataclass
class FunctionInfo:
    func: object            # the plain Python function
    node: gast.FunctionDef  # its definition (lambdas become a def)
    name: str
    filename: str
    globals: dict
    closure: dict           # free variable name -> value
    local_scope: dict = dataclasses.field(default_factory=dict)  # sibling nested defs

    def lookup(self, name):
        """Value of a free name as the function sees it (KeyError if none)."""
        if name in self.closure:
            return self.closure[name]
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name)


_file_trees = {}  # (filename, hash of its text) -> index of its parse (see _index)


def _parse_file(filename):
    """The defs and lambdas of a file's current text, parsed once per text."""
    lines = linecache.getlines(filename)
    if not lines:
        return None
    text = "".join(lines)
    key = (filename, hash(text))
    index = _file_trees.get(key)
    if index is None:
        try:
            index = _index(gast.parse(text))
        except SyntaxError:
            return None
        _file_trees[key] = index
    return index


def _first_line(node):
    decos = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decos])


def _index(tree):
    """The file's defs and lambdas by (name, first line)."""
    index = {}
    for node in gast.walk(tree):
        if isinstance(node, gast.Lambda):
            index.setdefault(("<lambda>", node.lineno), []).append(node)
        elif isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)):
            index.setdefault((node.name, _first_line(node)), []).append(node)
    return index


def _find_node(index, code):
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    return [node for node in index.get((code.co_name, code.co_firstlineno), ())
            if [a.id for a in node.args.posonlyargs + node.args.args
                + node.args.kwonlyargs] == params]


def _same_code(node, code, filename):
    """Does the def in the file compile to the code object we have?  (A file
    edited after import would otherwise give the derivative of other code.)"""
    lines = linecache.getlines(filename)
    first = _first_line(node)
    last = getattr(node, "end_lineno", None)
    if not last:
        return True
    text = textwrap.dedent("".join(lines[first - 1:last]))
    try:
        module = compile(text, filename, "exec", dont_inherit=True)
    except SyntaxError:  # e.g. 'nonlocal' outside its function: cannot compare
        return True
    compiled = next((c for c in module.co_consts if inspect.iscode(c)
                     and c.co_name == code.co_name), None)
    if compiled is None:
        return True

    def consts(c):
        return [k for k in c.co_consts if not inspect.iscode(k)]

    if _operations(compiled) != _operations(code):
        return False
    return (compiled.co_varnames == code.co_varnames
            and consts(compiled) == consts(code)
            and set(compiled.co_names) | set(compiled.co_freevars)
            == set(code.co_names) | set(code.co_freevars))


_SKIP_OPS = {"RESUME", "NOP", "CACHE", "PRECALL", "PUSH_NULL", "COPY_FREE_VARS", "MAKE_CELL",
             "EXTENDED_ARG", "KW_NAMES"}
_SAME_OPS = {"LOAD_METHOD": "LOAD_ATTR", "CALL_METHOD": "CALL", "CALL_FUNCTION": "CALL",
             "LOAD_DEREF": "LOAD_VAR", "LOAD_GLOBAL": "LOAD_VAR", "LOAD_NAME": "LOAD_VAR",
             "LOAD_CLASSDEREF": "LOAD_VAR", "LOAD_FAST": "LOAD_VAR",
             "STORE_DEREF": "STORE_VAR", "STORE_FAST": "STORE_VAR"}


def _operations(code):
    """The operations a code object performs, blind to how names are looked up
    (which depends on where it was compiled) and to jump offsets."""
    ops = []
    for ins in dis.get_instructions(code):
        name = ins.opname
        if name in _SKIP_OPS:
            continue
        name = _SAME_OPS.get(name, name)
        if "JUMP" in name or "FOR_ITER" in name or "SEND" in name:
            ops.append(name)
        else:
            value = ins.argval
            ops.append((name, value if not inspect.iscode(value) else value.co_name))
    return ops


def unwrap(func):
    """Strip decorators that keep ``__wrapped__`` (functools.wraps)."""
    return inspect.unwrap(func)


def read_function(func):
    """Return the FunctionInfo of a plain Python function."""
    if not inspect.isfunction(func):
        raise SourceError(
            f"cannot differentiate {func!r}: srcdiff needs a Python function "
            "whose source it can read",
            hint="pass a function defined with def or lambda in a file")
    code = func.__code__
    filename = code.co_filename
    index = _parse_file(filename)
    if index is None:
        raise SourceError(
            f"no source available for {func.__qualname__} (file {filename!r})",
            function=func.__name__,
            hint="define the function in a .py file (or a notebook cell); "
                 "srcdiff reads the source")
    nodes = _find_node(index, code)
    if len(nodes) != 1:
        what = "several lambdas with the same arguments" if nodes else "its definition"
        raise SourceError(
            f"cannot locate the source of {func.__qualname__}: found {what} "
            f"at line {code.co_firstlineno}",
            function=func.__name__, filename=filename, lineno=code.co_firstlineno,
            hint="give the function its own def")
    node = nodes[0]
    if isinstance(node, gast.FunctionDef) and not filename.startswith("<srcdiff ") \
            and not _same_code(node, code, filename):
        # (srcdiff's own output is registered under a name hashed from its text:
        # it cannot go stale, and it compiles only inside its factory)
        raise SourceError(
            f"the source of {func.__qualname__} in {filename} has changed since the "
            "function was defined",
            function=func.__name__, filename=filename, lineno=code.co_firstlineno,
            hint="reload the module (or restart) so code and source agree")
    if isinstance(node, gast.Lambda):
        ret = gast.Return(value=node.body)
        gast.copy_location(ret, node.body)
        node = gast.FunctionDef(
            name="lambda_", args=node.args, body=[ret], decorator_list=[],
            returns=None, type_comment=None, type_params=[])
        gast.copy_location(node, ret)
    name = node.name
    closure = {}
    if func.__closure__:
        for var, cell in zip(code.co_freevars, func.__closure__):
            try:
                closure[var] = cell.cell_contents
            except ValueError:  # empty cell: not yet assigned
                pass
    return FunctionInfo(func=func, node=node, name=name, filename=filename,
                        globals=func.__globals__, closure=closure)


def location(info, node):
    """(filename, lineno, col) of a node of this function."""
    return (info.filename, getattr(node, "lineno", None),
            getattr(node, "col_offset", None))
