"""Codegen: gast -> ``ast`` -> text with the standard library's ``ast.unparse``.

Deterministic: the same tree gives byte-identical text (names come from the
``Namer``, never from ids or random numbers).
"""

import ast
import re

import gast

# Python 3.10's unparse writes "(a, b) = f()"; later versions "a, b = f()"
_TUPLE_TARGET = re.compile(r"^(\s*)\(([\w, ]+)\) = ", re.MULTILINE)


def to_source(fn):
    tree = gast.gast_to_ast(gast.Module(body=[fn], type_ignores=[]))
    ast.fix_missing_locations(tree)
    return _TUPLE_TARGET.sub(r"\1\2 = ", ast.unparse(tree)) + "\n"
