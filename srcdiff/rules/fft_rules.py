"""``np.fft``: the transforms whose results are real for a real input.

srcdiff's derivatives are real-valued: a transform with a complex result
(``fft``, ``rfft`` ...) is refused where a derivative would flow through it,
with an error saying so.  The inverse real transforms (``irfft``, ``irfft2``,
``irfftn``) of a real array and the shifts are real and linear: their
tangents are the calls themselves on the tangent.
"""

import numpy as np

from .. import runtime as rt
from ..abstract import concrete
from ..primitives import FRESH, adjoint, known
from ..template import d


def _same_shape(shapes, constants):
    return shapes[0] if concrete(shapes[0]) else None


@adjoint(np.fft.fftshift, linear=True, result=FRESH, passive=("axes",), shape=_same_shape)
def fftshift(y, x, axes=None):
    d[x] = np.fft.ifftshift(d[y], axes)


@adjoint(np.fft.ifftshift, linear=True, result=FRESH, passive=("axes",), shape=_same_shape)
def ifftshift(y, x, axes=None):
    d[x] = np.fft.fftshift(d[y], axes)


@adjoint(np.fft.irfft, linear=True, result=FRESH, float_valued=True,
         passive=("n", "axis", "norm"))
def irfft(y, a, n=None, axis=-1, norm=None):
    d[a] = rt.irfftn_adjoint(d[y], a, n, (axis,), norm)


@adjoint(np.fft.irfft2, linear=True, result=FRESH, float_valued=True,
         passive=("s", "axes", "norm"))
def irfft2(y, a, s=None, axes=(-2, -1), norm=None):
    d[a] = rt.irfftn_adjoint(d[y], a, s, axes, norm)


@adjoint(np.fft.irfftn, linear=True, result=FRESH, float_valued=True,
         passive=("s", "axes", "norm"))
def irfftn(y, a, s=None, axes=None, norm=None):
    d[a] = rt.irfftn_adjoint(d[y], a, s, axes, norm)


known(np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.fft2, np.fft.ifft2, np.fft.fftn,
      np.fft.ifftn, np.fft.rfft2, np.fft.rfftn, np.fft.ihfft, result=FRESH,
      why="its result is complex-valued, and srcdiff's derivatives are real-valued")
