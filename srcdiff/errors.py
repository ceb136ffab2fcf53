"""Typed, located errors.  Every refusal srcdiff makes is a ``SrcdiffError``.

The message names the function, gives ``file:line:col``, the source line with a
caret under the offending column, and a hint when there is one.
"""

import linecache


class SrcdiffError(Exception):
    """Base class of every refusal srcdiff makes."""

    def __init__(self, message, function=None, filename=None, lineno=None,
                 col=None, hint=None):
        self.message = message
        self.function = function
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.hint = hint
        super().__init__(self._render())

    def _render(self):
        parts = []
        where = ""
        if self.filename is not None and self.lineno is not None:
            where = f"{self.filename}:{self.lineno}:{(self.col or 0) + 1}: "
        func = f"in {self.function}(): " if self.function else ""
        parts.append(f"{where}{func}{self.message}")
        if self.filename is not None and self.lineno is not None:
            line = linecache.getline(self.filename, self.lineno).rstrip("\n")
            if line:
                parts.append("    " + line)
                parts.append("    " + " " * (self.col or 0) + "^")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


def located(cls, info, node, message, hint=None):
    """The refusal ``cls(message)`` located at ``node`` of the function that
    ``info`` describes (its name, file, line and column)."""
    return cls(message, function=info.name, filename=info.filename,
               lineno=getattr(node, "lineno", None), col=getattr(node, "col_offset", None),
               hint=hint)


class UnsupportedSyntaxError(SrcdiffError):
    """The function uses a construct srcdiff does not differentiate."""


class NoRuleError(SrcdiffError):
    """A call on a value that matters has no derivative rule."""


class WrtError(SrcdiffError):
    """``wrt`` names no argument of the function."""


class NonScalarOutputError(SrcdiffError):
    """``grad`` of a function whose output is not a scalar."""


class SourceError(SrcdiffError):
    """The function's source cannot be found or parsed."""


class OrderError(SrcdiffError, ValueError):
    """An option of a derivative (``order``, ``mode``) has an unsupported value."""


class LazyValueError(SrcdiffError):
    """The derivative, called on Dask arrays, needs a value of one (the test of
    an ``if``), which would compute it: it refuses instead (``lazy.py``)."""


class OutputError(SrcdiffError):
    """The function's output is of a kind the requested derivative cannot handle
    (e.g. a tuple for ``jacobian``)."""


class CotangentError(SrcdiffError, ValueError):
    """A pullback (``srcdiff.vjp``) was given a cotangent whose structure or
    shapes are not those of the function's output (or ``linearize``'s function
    a tangent that is not one per ``wrt`` argument)."""


class SrcdiffWarning(UserWarning):
    """Something works, but not the way it should (``derivative`` falling back
    from Taylor mode to nested gradients, which grow with the order)."""
