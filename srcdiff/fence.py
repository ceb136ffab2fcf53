"""Fence: an allow-list of the supported subset of Python.

Every statement and expression node of the function is checked against the
lists below; anything else raises ``UnsupportedSyntaxError`` located at the
node, with a hint for a rewrite where one exists.  Nothing unknown falls
through to the later passes.  (Some allowed constructs are checked further
where they are lowered: which ``with`` managers, which ``del`` targets, where
a generator expression is consumed.)
"""

import gast

from .errors import UnsupportedSyntaxError

STATEMENTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr,
              gast.Pass, gast.FunctionDef, gast.Assert, gast.If, gast.For, gast.While,
              gast.Break, gast.Continue, gast.With, gast.Delete)

EXPRESSIONS = (gast.BinOp, gast.UnaryOp, gast.Call, gast.Name, gast.Constant,
               gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
               gast.Compare, gast.Lambda, gast.keyword, gast.JoinedStr,
               gast.FormattedValue, gast.BoolOp, gast.IfExp, gast.Dict, gast.ListComp,
               gast.SetComp, gast.DictComp, gast.GeneratorExp)

CONTEXT = (gast.Load, gast.Store, gast.Del, gast.operator, gast.unaryop,
           gast.cmpop, gast.boolop, gast.arguments)
COMPREHENSION_PARTS = (gast.comprehension,)

HINTS = {
    gast.Global: "assign to a local variable and return it",
    gast.Nonlocal: "assign to a local variable and return it",
    gast.Try: "move error handling outside the differentiated function",
    gast.Yield: "generators are not differentiable; return a value",
    gast.AsyncFunctionDef: "differentiate a plain def that returns the value",
    gast.Await: "await outside the differentiated function",
    gast.YieldFrom: "generators are not differentiable; return a value",
    gast.Starred: "pass the arguments one by one",
    gast.NamedExpr: "assign on its own line",
}


def _describe(node):
    return {
        gast.If: "'if' statement", gast.For: "'for' loop", gast.While: "'while' loop",
        gast.Try: "'try' statement", gast.With: "'with' statement",
        gast.IfExp: "conditional expression ('a if c else b')",
        gast.Global: "'global' statement", gast.Nonlocal: "'nonlocal' statement",
        gast.Starred: "star-argument ('*args')", gast.Lambda: "lambda",
    }.get(type(node), f"'{type(node).__name__}' construct")


class Fence:
    def __init__(self, info):
        self.info = info

    def fail(self, node, what, hint=None):
        raise UnsupportedSyntaxError(
            f"{what} is not supported", function=self.info.name,
            filename=self.info.filename, lineno=getattr(node, "lineno", None),
            col=getattr(node, "col_offset", None), hint=hint)

    def check_function(self, fn, top=True):
        if isinstance(fn, gast.AsyncFunctionDef):  # (a generator is refused at its yield)
            self.fail(fn, "an 'async def' function (calling it makes a coroutine or an "
                          "asynchronous generator, not a value)",
                      "differentiate a plain def that returns the value; await or "
                      "iterate outside it")
        args = fn.args
        if not top and (args.vararg is not None or args.kwarg is not None):
            bad = args.vararg or args.kwarg
            self.fail(bad, "a variable-length parameter ('*args' / '**kwargs') of a "
                           "nested function", "list the parameters explicitly")
        if not top and fn.decorator_list:
            self.fail(fn.decorator_list[0], "a decorated nested function")
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.check_expr(default)
        for stmt in fn.body:
            self.check_stmt(stmt)

    def check_stmt(self, stmt):
        if not isinstance(stmt, STATEMENTS):
            self.fail(stmt, _describe(stmt), HINTS.get(type(stmt)))
        if isinstance(stmt, gast.FunctionDef):
            self.check_function(stmt, top=False)
            return
        if isinstance(stmt, (gast.If, gast.While)):
            self.check_expr(stmt.test)
            for s in stmt.body + stmt.orelse:
                self.check_stmt(s)
            return
        if isinstance(stmt, gast.For):
            self.check_loop_target(stmt.target)
            self.check_expr(stmt.iter)
            for s in stmt.body + stmt.orelse:
                self.check_stmt(s)
            return
        if isinstance(stmt, gast.With):
            for item in stmt.items:
                self.check_expr(item.context_expr)
            for s in stmt.body:
                self.check_stmt(s)
            return
        if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]
            for target in targets:
                self.check_target(target, augmented=not isinstance(stmt, gast.Assign))
            if stmt.value is None:
                self.fail(stmt, "an annotation without a value")
            self.check_expr(stmt.value)
            return
        for child in gast.iter_child_nodes(stmt):
            self.check_expr(child)

    def check_target(self, target, augmented):
        if isinstance(target, gast.Name):
            return
        if isinstance(target, (gast.Tuple, gast.List)) and not augmented:
            for elt in target.elts:
                if not isinstance(elt, (gast.Name, gast.Tuple, gast.List)):
                    self.fail(elt, "unpacking into anything but plain names",
                              "unpack into names, then use them")
                if not isinstance(elt, gast.Name):
                    self.check_target(elt, augmented)
            return
        if isinstance(target, gast.Subscript):
            if not isinstance(target.value, gast.Name):
                self.fail(target, "a write into a nested element ('a[i][j] = v' or "
                                  "'obj.x[i] = v')",
                          "write a[i, j] = v into a local array")
            self.check_expr(target.slice)
            return
        self.fail(target, f"assignment to {type(target).__name__.lower()}")

    def check_loop_target(self, target):
        if isinstance(target, gast.Name):
            return
        if isinstance(target, (gast.Tuple, gast.List)) and all(
                isinstance(e, gast.Name) for e in target.elts):
            return
        self.fail(target, "this loop target", "loop into a plain name or a flat tuple of names")

    def check_expr(self, node):
        if isinstance(node, CONTEXT):
            return
        if not isinstance(node, EXPRESSIONS + COMPREHENSION_PARTS):
            self.fail(node, _describe(node), HINTS.get(type(node)))
        if isinstance(node, gast.Call):
            for kw in node.keywords:
                if kw.arg is None:
                    self.fail(kw.value, "keyword unpacking ('**kwargs')",
                              "pass the keyword arguments one by one")
        if isinstance(node, gast.Lambda):
            if node.args.vararg or node.args.kwarg:
                self.fail(node, "a lambda with '*args'")
        if isinstance(node, gast.comprehension):
            if node.is_async:
                self.fail(node.target, "an 'async for' comprehension")
            self.check_loop_target(node.target)
        for child in gast.iter_child_nodes(node):
            self.check_expr(child)


def check(info):
    """Raise UnsupportedSyntaxError at the first unsupported construct."""
    Fence(info).check_function(info.node)
