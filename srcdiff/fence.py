"""Fence: an allow-list of the supported subset of Python.

Every statement and expression node of the function is checked against the
lists below; anything else raises ``UnsupportedSyntaxError`` located at the
node, with a hint for a rewrite where one exists.  Nothing unknown falls
through to the later passes.
"""

import gast

from .errors import UnsupportedSyntaxError

STATEMENTS = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr,
              gast.Pass, gast.FunctionDef, gast.Assert)

EXPRESSIONS = (gast.BinOp, gast.UnaryOp, gast.Call, gast.Name, gast.Constant,
               gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
               gast.Compare, gast.Lambda, gast.keyword, gast.JoinedStr,
               gast.FormattedValue, gast.BoolOp)

CONTEXT = (gast.Load, gast.Store, gast.Del, gast.operator, gast.unaryop,
           gast.cmpop, gast.boolop, gast.arguments)

HINTS = {
    gast.If: "control flow (if/elif/else) is not differentiated yet; write the "
             "branch with np.where(cond, a, b)",
    gast.IfExp: "conditional expressions are not differentiated yet; use np.where(cond, a, b)",
    gast.For: "loops are not differentiated yet; write the loop as array operations "
              "(np.sum, slicing, @)",
    gast.While: "loops are not differentiated yet",
    gast.ListComp: "comprehensions are not differentiated; build the list with np.stack "
                   "or array operations",
    gast.GeneratorExp: "generator expressions are not differentiated; use np.sum over an array",
    gast.Global: "assign to a local variable and return it",
    gast.Nonlocal: "assign to a local variable and return it",
    gast.Try: "move error handling outside the differentiated function",
    gast.With: "move the with-block outside the differentiated function; for "
               "TensorFlow's stop_recording use srcdiff.stop_gradient(x)",
    gast.Yield: "generators are not differentiable; return a value",
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
        args = fn.args
        if args.vararg is not None or args.kwarg is not None:
            bad = args.vararg or args.kwarg
            self.fail(bad, "a variable-length parameter ('*args' / '**kwargs')",
                      "list the parameters explicitly")
        if not top and fn.decorator_list:
            self.fail(fn.decorator_list[0], "a decorated nested function")
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.check_expr(default)
        body = fn.body
        for i, stmt in enumerate(body):
            if isinstance(stmt, gast.Return) and i != len(body) - 1:
                self.fail(stmt, "an early 'return'",
                          "compute the result and return it at the end")
            self.check_stmt(stmt)

    def check_stmt(self, stmt):
        if not isinstance(stmt, STATEMENTS):
            self.fail(stmt, _describe(stmt), HINTS.get(type(stmt)))
        if isinstance(stmt, gast.FunctionDef):
            self.check_function(stmt, top=False)
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
            self.fail(target, "assignment into an array element or slice",
                      "in-place array writes are not differentiated yet; build the array "
                      "with np.stack / np.concatenate / np.where")
        self.fail(target, f"assignment to {type(target).__name__.lower()}")

    def check_expr(self, node):
        if isinstance(node, CONTEXT):
            return
        if not isinstance(node, EXPRESSIONS):
            self.fail(node, _describe(node), HINTS.get(type(node)))
        if isinstance(node, gast.Call):
            for kw in node.keywords:
                if kw.arg is None:
                    self.fail(kw.value, "keyword unpacking ('**kwargs')",
                              "pass the keyword arguments one by one")
        if isinstance(node, gast.Lambda):
            if node.args.vararg or node.args.kwarg:
                self.fail(node, "a lambda with '*args'")
        for child in gast.iter_child_nodes(node):
            self.check_expr(child)


def check(info):
    """Raise UnsupportedSyntaxError at the first unsupported construct."""
    Fence(info).check_function(info.node)
