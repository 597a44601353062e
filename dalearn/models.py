"""Vector fields F(x, p) of the dynamics, with exact Jacobians.

A model acts on the last axis: ``x`` has shape ``(..., D)`` and ``rhs`` returns the same
shape, so one call evaluates a whole path.  Every model provides

- ``rhs(x, p)``   -> ``(..., D)``       the vector field dx/dt
- ``jac(x, p)``   -> ``(..., D, D)``    ∂F_a/∂x_b (row a, column b)
- ``jac_p(x, p)`` -> ``(..., D, P)``    ∂F_a/∂p_j
- ``jvp(x, p, v)`` and ``vjp(x, p, w)`` -> ``(..., D)``  J v and Jᵀ w
- ``hess(x, p, w)`` -> ``(Hxx (..., D, D), Hxp (..., D, P), Hpp (..., P, P))``: the
  weighted second derivatives Σ_a w_a ∂²F_a/∂x∂x, Σ_a w_a ∂²F_a/∂x∂p, Σ_a w_a ∂²F_a/∂p∂p
  (``has_hessian`` says whether a model has them; the exact Hessian of the action,
  ``ActionEvaluator.hessian``, needs them, Gauss-Newton does not).  A driven model's
  ``hess`` takes ``u`` as a fourth argument.

``p`` is a 1-D array of the model's parameters in the order of ``param_names``.

A **driven** model declares ``inputs`` (names of its known inputs, e.g. a stimulus current)
and takes them as a third argument, ``rhs(x, p, u)`` with ``u`` ``(..., U)`` (likewise
``jac`` and ``jac_p``); see :mod:`dalearn.drive` for where the rules need ``u``.  A model may
also state ``state_bounds`` ``(D, 2)`` and ``param_bounds`` ``{name: (low, high)}``: the
ranges random starts are drawn from and the bounds annealing keeps.

Your own model: subclass :class:`Model` and write ``rhs`` and ``jac`` (and ``jac_p`` if it
has parameters), or wrap plain functions with :class:`CustomModel`; with only ``rhs`` given,
CustomModel falls back to a central finite-difference Jacobian, which is slow (D extra
evaluations of F per call) and meant for small D only.  Give ``hess`` too (or write the
method) for the exact Hessian of the action; without it only Gauss-Newton is available.
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["Model", "Lorenz96", "Lorenz63", "NeuralField", "CustomModel", "get_model",
           "MODELS", "ACTIVATIONS", "ACTIVATION_D2"]


def _arr(x):
    """x as a float array; complex stays complex (complex-step derivatives need it)."""
    x = np.asarray(x)
    return x if np.iscomplexobj(x) else x.astype(float, copy=False)


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


#: activations of network layers and the neural field: name -> (g(a), g'(a) from a and g)
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a, g: 1.0 - g * g),
    "sigmoid": (_sigmoid, lambda a, g: g * (1.0 - g)),
}

#: name -> g''(a) from g and g'
ACTIVATION_D2 = {
    "tanh": lambda g, dg: -2.0 * g * dg,
    "sigmoid": lambda g, dg: dg * (1.0 - 2.0 * g),
}


class Model:
    """Base class: a D-dimensional vector field with parameters ``param_names``."""

    name = "model"
    D: int
    param_names: tuple[str, ...] = ()
    default_params: np.ndarray = np.zeros(0)
    #: names of the known inputs u of a driven model F(x, p, u); () = autonomous
    inputs: tuple[str, ...] = ()
    #: (D, 2) low/high of each state component, or None (unbounded)
    state_bounds: np.ndarray | None = None
    #: {name: (low, high)} of parameters (start ranges and bounds when estimated)
    param_bounds: dict = {}

    def rhs(self, x, p):  # pragma: no cover - abstract
        raise NotImplementedError

    def jac(self, x, p):  # pragma: no cover - abstract
        raise NotImplementedError

    def jac_p(self, x, p):
        """∂F/∂p, shape ``(..., D, P)``; zero columns for a model without parameters."""
        x = _arr(x)
        return np.zeros(x.shape + (len(self.param_names),), dtype=x.dtype)

    #: whether :meth:`hess` is available (exact second derivatives)
    has_hessian = False

    def hess(self, x, p, w):
        """Weighted second derivatives at ``x`` (..., D) with weights ``w`` (..., D):
        (Σ_a w_a ∂²F_a/∂x∂x (..., D, D), Σ_a w_a ∂²F_a/∂x∂p (..., D, P),
        Σ_a w_a ∂²F_a/∂p∂p (..., P, P))."""
        raise NotImplementedError(f"model {self.name!r} has no second derivatives")

    def _zero_hess(self, x, Hxx):
        """(Hxx, zero Hxp, zero Hpp) for a model whose parameters enter linearly."""
        lead = np.shape(x)[:-1]
        return Hxx, np.zeros(lead + (self.D, self.P)), np.zeros(lead + (self.P, self.P))

    def jvp(self, x, p, v):
        """J(x) v, shape ``(..., D)``."""
        return np.einsum("...ab,...b->...a", self.jac(x, p), v)

    def vjp(self, x, p, w):
        """J(x)ᵀ w, shape ``(..., D)``."""
        return np.einsum("...ab,...a->...b", self.jac(x, p), w)

    @property
    def P(self) -> int:
        return len(self.param_names)

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    def describe(self) -> dict:
        """Plain-data description (used when saving results)."""
        return {"name": self.name, "D": int(self.D),
                "param_names": list(self.param_names),
                "default_params": [float(v) for v in self.default_params],
                **({"inputs": list(self.inputs)} if self.inputs else {})}


class Lorenz96(Model):
    """Lorenz (1996): dx_a/dt = (x_{a+1} - x_{a-2}) x_{a-1} - x_a + ν, cyclic in a.

    Parameter ``nu`` (forcing), default 8.17 (chaotic).  Any D >= 4.
    """

    name = "lorenz96"
    param_names = ("nu",)

    def __init__(self, D: int = 20, nu: float = 8.17):
        if isinstance(D, bool) or not isinstance(D, (int, np.integer)):
            raise TypeError(f"D must be an integer >= 4, got {D!r}")
        if D < 4:
            raise ValueError(f"D must be >= 4 for Lorenz96, got {D}")
        self.D = int(D)
        self.default_params = np.array([float(nu)])
        a = np.arange(self.D)
        self._ip1, self._im1, self._im2 = (a + 1) % D, (a - 1) % D, (a - 2) % D

    def rhs(self, x, p):
        x = _arr(x)
        return ((x[..., self._ip1] - x[..., self._im2]) * x[..., self._im1]
                - x + p[0])

    def jac(self, x, p):
        x = _arr(x)
        D = self.D
        J = np.zeros(x.shape + (D,), dtype=x.dtype)
        a = np.arange(D)
        J[..., a, self._ip1] = x[..., self._im1]
        J[..., a, self._im2] = -x[..., self._im1]
        J[..., a, self._im1] = x[..., self._ip1] - x[..., self._im2]
        J[..., a, a] = -1.0
        return J

    def jac_p(self, x, p):
        x = _arr(x)
        return np.ones(x.shape + (1,), dtype=x.dtype)

    def jvp(self, x, p, v):
        x = _arr(x)
        return ((v[..., self._ip1] - v[..., self._im2]) * x[..., self._im1]
                + (x[..., self._ip1] - x[..., self._im2]) * v[..., self._im1] - v)

    def vjp(self, x, p, w):
        # (Jᵀw)_b = Σ_a w_a ∂F_a/∂x_b; each of the three couplings shifts w around the ring.
        x = _arr(x)
        out = -_arr(w).copy()
        c_ip1 = w * x[..., self._im1]                          # ∂F_a/∂x_{a+1}
        c_im2 = -w * x[..., self._im1]                         # ∂F_a/∂x_{a-2}
        c_im1 = w * (x[..., self._ip1] - x[..., self._im2])   # ∂F_a/∂x_{a-1}
        out += np.roll(c_ip1, 1, axis=-1) + np.roll(c_im2, -2, axis=-1) \
            + np.roll(c_im1, -1, axis=-1)
        return out

    has_hessian = True

    def hess(self, x, p, w):
        # F_a = (x_{a+1} - x_{a-2}) x_{a-1} - ...: the only second derivatives are
        # ∂²F_a/∂x_{a+1}∂x_{a-1} = 1 and ∂²F_a/∂x_{a-2}∂x_{a-1} = -1; ν enters linearly
        w = _arr(w)
        H = np.zeros(w.shape + (self.D,), dtype=w.dtype)
        H[..., self._ip1, self._im1] += w
        H[..., self._im1, self._ip1] += w
        H[..., self._im2, self._im1] -= w
        H[..., self._im1, self._im2] -= w
        return self._zero_hess(w, H)

    def describe(self):
        return {**super().describe(), "D": self.D}


class Lorenz63(Model):
    """Lorenz (1963): ẋ = σ(y - x), ẏ = x(ρ - z) - y, ż = x y - β z.

    Parameters ``sigma, rho, beta``, defaults 10, 28, 8/3.
    """

    name = "lorenz63"
    param_names = ("sigma", "rho", "beta")

    def __init__(self, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0):
        self.D = 3
        self.default_params = np.array([sigma, rho, beta], dtype=float)

    def rhs(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        s, r, b = p
        return np.stack([s * (Y - X), X * (r - Z) - Y, X * Y - b * Z], axis=-1)

    def jac(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        s, r, b = p
        J = np.zeros(x.shape + (3,), dtype=x.dtype)
        J[..., 0, 0], J[..., 0, 1] = -s, s
        J[..., 1, 0], J[..., 1, 1], J[..., 1, 2] = r - Z, -1.0, -X
        J[..., 2, 0], J[..., 2, 1], J[..., 2, 2] = Y, X, -b
        return J

    def jac_p(self, x, p):
        x = _arr(x)
        X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
        Jp = np.zeros(x.shape + (3,), dtype=x.dtype)
        Jp[..., 0, 0] = Y - X
        Jp[..., 1, 1] = X
        Jp[..., 2, 2] = -Z
        return Jp

    has_hessian = True

    def hess(self, x, p, w):
        # F0 = s(Y - X), F1 = X(r - Z) - Y, F2 = XY - bZ: bilinear terms only
        w = _arr(w)
        lead = w.shape[:-1]
        Hxx = np.zeros(lead + (3, 3), dtype=w.dtype)
        Hxx[..., 0, 2] = Hxx[..., 2, 0] = -w[..., 1]
        Hxx[..., 0, 1] = Hxx[..., 1, 0] = w[..., 2]
        Hxp = np.zeros(lead + (3, 3), dtype=w.dtype)
        Hxp[..., 0, 0], Hxp[..., 1, 0] = -w[..., 0], w[..., 0]
        Hxp[..., 0, 1] = w[..., 1]
        Hxp[..., 2, 2] = -w[..., 2]
        return Hxx, Hxp, np.zeros(lead + (3, 3), dtype=w.dtype)


class NeuralField(Model):
    """A continuous network layer: dx/dt = g(W x + b), g = tanh or sigmoid.

    The layer label is time; W (D, D) and b (D,) are fixed here (no estimated parameters).
    A residual layer x + h F(x) is one Euler step of this field.
    """

    name = "neural_field"

    def __init__(self, W, b, activation: str = "tanh"):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or b.shape != (W.shape[0],):
            raise ValueError(f"W must be (D, D) and b (D,), got {W.shape} and {b.shape}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.W, self.b, self.activation = W, b, activation
        self.D = W.shape[0]
        self.default_params = np.zeros(0)

    def _g(self, x):
        a = _arr(x) @ self.W.T + self.b
        g, dg = ACTIVATIONS[self.activation]
        ga = g(a)
        return ga, dg(a, ga)

    def rhs(self, x, p):
        return self._g(x)[0]

    def jac(self, x, p):
        return self._g(x)[1][..., :, None] * self.W

    def vjp(self, x, p, w):
        return (self._g(x)[1] * w) @ self.W

    has_hessian = True

    def hess(self, x, p, w):
        # Σ_a w_a g''(a_a) W_a· W_a·ᵀ = Wᵀ diag(w g'') W
        g, dg = self._g(x)
        d2 = _arr(w) * ACTIVATION_D2[self.activation](g, dg)
        return self._zero_hess(x, np.einsum("...a,ab,ac->...bc", d2, self.W, self.W))


class CustomModel(Model):
    """A model from plain functions.

    Parameters
    ----------
    rhs : callable ``rhs(x, p) -> (..., D)``, vectorised over leading axes of ``x``.
    D : state dimension.
    params : dict name -> default value (may be empty).
    jac, jac_p : optional callables with the shapes of :class:`Model`.  Without ``jac``
        the Jacobians are central finite differences: **slow, for small D only** (a
        ``UserWarning`` says so once, at construction).
    hess : optional callable ``hess(x, p, w) -> (Hxx, Hxp, Hpp)`` (``hess(x, p, w, u)``
        for a driven model) with shapes
        ``(..., D, D)``, ``(..., D, P)``, ``(..., P, P)``: Σ_a w_a times the second
        derivatives of F_a in x, in (x, p) and in p (see :meth:`Model.hess`).  Without it
        the action has only its Gauss-Newton matrix (first derivatives).
    name : a label for results and plots.
    inputs : names of known inputs (a driven model): then ``rhs(x, p, u)``, ``jac(x, p, u)``
        and ``jac_p(x, p, u)`` take ``u`` ``(..., U)`` as a third argument.

    Note: a process-pool executor pickles the model, so pass module-level functions (not
    lambdas) if you anneal with one.
    """

    def __init__(self, rhs, D: int, params: dict | None = None, jac=None, jac_p=None,
                 name: str = "custom", inputs=(), hess=None):
        if not callable(rhs):
            raise TypeError("rhs must be callable as rhs(x, p)")
        if isinstance(D, bool) or not isinstance(D, (int, np.integer)) or D < 1:
            raise ValueError(f"D must be a positive integer, got {D!r}")
        for nm, f in (("jac", jac), ("jac_p", jac_p), ("hess", hess)):
            if f is not None and not callable(f):
                raise TypeError(f"{nm} must be callable or None")
        params = dict(params or {})
        self.D = int(D)
        self.name = str(name)
        self.param_names = tuple(params)
        self.default_params = np.array([float(v) for v in params.values()])
        self._rhs, self._jac, self._jac_p, self._hess = rhs, jac, jac_p, hess
        self.has_hessian = hess is not None
        if isinstance(inputs, str) or not all(isinstance(v, str) for v in inputs):
            raise TypeError(f"inputs must be a sequence of input names, got {inputs!r}")
        self.inputs = tuple(inputs)
        self.finite_difference = jac is None or (jac_p is None and self.P > 0)
        if self.finite_difference:
            warnings.warn(f"CustomModel {name!r}: no exact Jacobian given; using central "
                          "finite differences (slow, small D only).", UserWarning,
                          stacklevel=2)

    def _u(self, u):
        """The extra argument tuple: (u,) for a driven model, () otherwise."""
        if not self.inputs:
            return ()
        if u is None:
            raise ValueError(f"model {self.name!r} is driven by {self.inputs}: give u")
        return (_arr(u),)

    def rhs(self, x, p, u=None):
        return _numeric("rhs", self._rhs(_arr(x), _arr(p), *self._u(u)))

    def jac(self, x, p, u=None):
        if self._jac is not None:
            return _numeric("jac", self._jac(_arr(x), p, *self._u(u)))
        x = _arr(x)
        cols = []
        for b in range(self.D):
            e = np.zeros(self.D)
            e[b] = h = 1e-6 * max(1.0, float(np.max(np.abs(x), initial=0.0)))
            cols.append((self.rhs(x + e, p, u) - self.rhs(x - e, p, u)) / (2 * h))
        return np.stack(cols, axis=-1)

    def jac_p(self, x, p, u=None):
        x = _arr(x)
        if self.P == 0:
            return np.zeros(x.shape + (0,), dtype=x.dtype)
        if self._jac_p is not None:
            return _numeric("jac_p", self._jac_p(x, p, *self._u(u)))
        p = np.asarray(p, dtype=float)
        cols = []
        for j in range(self.P):
            e = np.zeros(self.P)
            e[j] = h = 1e-6 * max(1.0, abs(p[j]))
            cols.append((self.rhs(x, p + e, u) - self.rhs(x, p - e, u)) / (2 * h))
        return np.stack(cols, axis=-1)

    def hess(self, x, p, w, u=None):
        if self._hess is None:
            return super().hess(x, p, w)
        out = self._hess(_arr(x), _arr(p), _arr(w), *self._u(u))
        if not isinstance(out, tuple) or len(out) != 3:
            raise TypeError("hess(x, p, w) must return a tuple (Hxx, Hxp, Hpp)")
        return tuple(_numeric("hess", h) for h in out)


def _numeric(name: str, out):
    """A user function's output as an array of numbers, or a TypeError naming the function."""
    arr = np.asarray(out) if out is not None else None
    if arr is None or arr.dtype.kind not in "iufc":
        kind = type(out).__name__ + (f" of dtype {arr.dtype}" if arr is not None else "")
        raise TypeError(f"{name}(x, p) must return an array of numbers, got {kind}")
    return _arr(arr)


MODELS = {"lorenz96": Lorenz96, "lorenz63": Lorenz63}


def get_model(name: str, **kwargs) -> Model:
    """Build a named model: ``get_model('lorenz96', D=20)``."""
    if not isinstance(name, str) or name.lower() not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name.lower()](**kwargs)
