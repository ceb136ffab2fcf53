"""Operators: ``+ - * / ** @`` and unary ``- +``."""

from .registry import adjoint


@adjoint("operator.add", shape="broadcast")
def add(z, x, y):
    d[x] = d[z]
    d[y] = d[z]


@adjoint("operator.sub", shape="broadcast")
def sub(z, x, y):
    d[x] = d[z]
    d[y] = -d[z]


@adjoint("operator.mul", shape="broadcast")
def mul(z, x, y):
    d[x] = d[z] * y
    d[y] = d[z] * x


@adjoint("operator.truediv", shape="broadcast")
def truediv(z, x, y):
    d[x] = d[z] / y
    d[y] = -d[z] * z / y


@adjoint("operator.pow", shape="broadcast")
def pow(z, x, y):
    d[x] = d[z] * y * x ** (y - 1)
    d[y] = d[z] * z * np.log(x)


@adjoint("operator.matmul")
def matmul(z, x, y):
    d[x] = rt.matmul_dx(d[z], x, y)
    d[y] = rt.matmul_dy(d[z], x, y)


@adjoint("operator.neg", shape="elementwise")
def neg(y, x):
    d[x] = -d[y]


@adjoint("operator.pos", shape="elementwise")
def pos(y, x):
    d[x] = d[y]


@adjoint("operator.mod", shape="broadcast")
def mod(z, x, y):
    d[x] = d[z]
    d[y] = -d[z] * np.floor(x / y)
