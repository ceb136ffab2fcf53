"""Frontend: a Python callable -> its parsed source and the values it sees.

The function's node is taken from the parse of its whole file (so line and
column numbers in errors are the real ones), matched by name and first line.
Everything that depends on the Python version or on how the callable was
made (lambda, decorator, bound method, srcdiff's own output) is settled here,
and so is what a call inside the function resolves to (``callee``).

``FunctionInfo.lookup`` notes every free name the transformation resolved;
``assumptions`` turns them into the callees (``helper``, ``m.helper``,
``np.sin``) whose identity the generated code relies on: the loader checks
them at every call of the derivative (see ``derivatives.py``).
"""

import dis
import builtins
import dataclasses
import inspect
import linecache
import textwrap
import types

import gast

from .errors import NoRuleError, SourceError
from .scope import LocalDef
from .trees import load
from .trees import clone


@dataclasses.dataclass
class FunctionInfo:
    func: object            # the plain Python function
    node: gast.FunctionDef  # its definition (lambdas become a def)
    name: str
    filename: str
    globals: dict
    closure: dict           # free variable name -> value
    local_scope: dict = dataclasses.field(default_factory=dict)  # sibling nested defs
    freevars: tuple = ()    # every free variable (also those not yet assigned)
    resolved: dict = dataclasses.field(default_factory=dict)  # names lookup() found

    def lookup(self, name):
        """Value of a free name as the function sees it (KeyError if none)."""
        if name in self.closure:
            value = self.closure[name]
        elif name in self.globals:
            value = self.globals[name]
        else:
            value = getattr(builtins, name)
        self.resolved[name] = value
        return value


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
    node = _node_of(func, filename)
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
                        globals=func.__globals__, closure=closure,
                        freevars=code.co_freevars)


def _node_of(func, filename):
    """The def (or lambda) of ``func`` in its file, checked against its code; the
    file is read again once where linecache may hold an older text (a module
    edited and reloaded)."""
    code = func.__code__
    for again in (False, True):
        try:
            node = _located(func, filename)
        except SourceError:
            if again or not _reread(filename):
                raise
            continue
        if _agrees(node, code, filename):
            return node
        if again or not _reread(filename):
            break
    raise SourceError(
        f"the source of {func.__qualname__} in {filename} has changed since the "
        "function was defined",
        function=func.__name__, filename=filename, lineno=code.co_firstlineno,
        hint="this function object runs code its file no longer holds: differentiate "
             "the function as defined now (after importlib.reload, take it from the "
             "module again)")


def _agrees(node, code, filename):
    # (srcdiff's own output is registered under a name hashed from its text:
    # it cannot go stale, and it compiles only inside its factory)
    return not isinstance(node, gast.FunctionDef) or filename.startswith("<srcdiff ") \
        or _same_code(node, code, filename)


def _reread(filename):
    """Read a file again that linecache may hold stale (an edited module that was
    reloaded); False when there is nothing to read again."""
    entry = linecache.cache.get(filename)
    if entry is None or len(entry) != 4 or entry[1] is None:  # not from a file
        return False
    linecache.updatecache(filename)
    return True


def _located(func, filename):
    """The def (or lambda) node of ``func`` in its file's current text."""
    code = func.__code__
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
    return nodes[0]


def code_key(func):
    """What identifies the derivative of a called function: its code, in its
    module (the same code in two modules calls what each one's globals name)."""
    return ("code", func.__code__, id(func.__globals__))


def current(func):
    """A derivative srcdiff generated earlier, as it is now: the code it came
    from may have changed since (its ``__srcdiff_current__`` says so); any
    other function as it is."""
    while not getattr(func, "__srcdiff_current__", _always)():
        func = unwrap(func.__srcdiff_refresh__())
    return func


def _always():
    return True


# --- calls inside the function ----------------------------------------------------


def callee(transform, op):
    """What a call of the user's own function (``op.kind`` 'user' or 'local')
    resolves to: (FunctionInfo, its def, cache key, leading arguments such as a
    bound ``self``, trailing lifted arguments).  Shared by reverse and forward."""
    if op.kind == "local":
        local = op.callee
        scope = dict(transform.info.local_scope)
        for ld in transform.norm.local_defs.values():
            user = transform.norm.versions.get(ld.name, ld.name)
            scope[user] = LocalDef(name=user, node=ld.node, lifted=list(ld.lifted_user),
                                   lifted_user=list(ld.lifted_user), original=ld.original)
        fn = _with_siblings(local.node, scope)
        outer = transform.info
        info = FunctionInfo(func=None, node=fn, name=fn.name, filename=outer.filename,
                            globals=outer.globals, closure=outer.closure,
                            local_scope=scope, freevars=outer.freevars,
                            resolved=outer.resolved)
        return info, fn, ("local", id(fn)), [], [load(n) for n in local.lifted]
    func, bound_self, func_expr = op.callee
    try:
        func = current(func)
        info = read_function(func)
    except Exception as exc:  # no source: refuse at the call site
        transform.fail(NoRuleError, op.stmt, f"cannot differentiate the call of "
                       f"{op.callee_name}: {getattr(exc, 'message', exc)}")
    prefix = [clone(func_expr.value)] if bound_self is not None else []
    return info, info.node, code_key(func), prefix, []


def _with_siblings(fn, scope):
    """``fn`` with the nested functions it calls defined inside it, so that its
    forward sweep can call them (they close over ``fn``'s lifted parameters)."""
    needed, todo = [], [fn]
    while todo:
        node = todo.pop()
        for n in gast.walk(node):
            if isinstance(n, gast.Name) and n.id in scope and n.id != fn.name \
                    and n.id not in needed:
                needed.append(n.id)
                todo.append(scope[n.id].original)
    if not needed:
        return fn
    fn = clone(fn)
    fn.body = [clone(scope[n].original) for n in sorted(needed)] + fn.body
    return fn


def bind_params(fn, args, keywords):
    """Map call arguments to the parameters of a (gast) def: name -> atom."""
    a = fn.args
    positional = [p.id for p in a.posonlyargs + a.args]
    kwonly = [p.id for p in a.kwonlyargs]
    if len(args) > len(positional):
        return None
    bound = dict(zip(positional, args))
    for k in keywords:
        if k.arg in bound or k.arg not in positional + kwonly:
            return None
        bound[k.arg] = k.value
    return bound


# --- what the generated code relies on ---------------------------------------------


def assumptions(info):
    """The callees the transformation resolved by name, as ``(chain, value)``:
    each attribute chain that the function calls (``helper``, ``m.helper``,
    ``np.sin``) rooted at a free name that ``lookup`` found, with the object it
    names now; and such a name read otherwise (``np`` in ``np.pi``) if it is a
    module or callable.  Data (``scale``, ``X``) is read live by the generated
    code and is not listed.  A chain that names a new object at each reading (a
    property) cannot be checked and is left out."""
    resolved = info.resolved
    chains, roots = [], []
    for node in gast.walk(info.node):
        if isinstance(node, gast.Call):
            chain = _chain(node.func)
            if chain and chain[0] in resolved and chain not in chains:
                chains.append(chain)
        elif isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                and node.id in resolved and (node.id,) not in roots:
            roots.append((node.id,))
    called = {c[0] for c in chains}
    chains += [r for r in roots if r[0] not in called and r not in chains]
    out = []
    for chain in chains:
        try:
            value, again = _follow(info, chain), _follow(info, chain)
        except Exception:  # (a property that raises: nothing the transformation used)
            continue
        if not _same(value, again):
            continue
        if callable(value) or isinstance(value, types.ModuleType):
            out.append((chain, value))
    return out


def _chain(node):
    """``np.linalg.norm`` -> ('np', 'linalg', 'norm'); None for anything else."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    return (node.id,) + tuple(reversed(parts))


def _follow(info, chain):
    value = info.closure[chain[0]] if chain[0] in info.closure else \
        info.globals[chain[0]] if chain[0] in info.globals else getattr(builtins, chain[0])
    for name in chain[1:]:
        value = getattr(value, name)
    return value


def _same(a, b):
    """Is ``b`` what ``a`` was (a bound method is made anew at each reading)?"""
    if isinstance(a, types.MethodType):
        return a == b
    return a is b


def location(info, node):
    """(filename, lineno, col) of a node of this function."""
    return (info.filename, getattr(node, "lineno", None),
            getattr(node, "col_offset", None))
