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

import functools
import warnings

import numpy as np

__all__ = ["Model", "CustomModel"]


def _arr(x):
    """x as a float array; complex stays complex (complex-step derivatives need it)."""
    x = np.asarray(x)
    return x if np.iscomplexobj(x) else x.astype(float, copy=False)

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

    def jac_pattern(self):
        """Where ∂F/∂x may be nonzero: (rows, cols) int arrays (nnz,), or None (dense, the
        default).  With :meth:`hess_pattern` it gives the action a sparse exact Hessian
        (:mod:`dalearn.discretize`), assembled from :meth:`jac_values` and
        :meth:`hess_values` without dense (D, D) blocks."""
        return None

    def hess_pattern(self):
        """Where Σ_a w_a ∂²F_a/∂x∂x may be nonzero: (rows, cols) int arrays, repeats
        allowed (their values are summed), or None."""
        return None

    def jac_values(self, x, p, *u):
        """∂F/∂x at :meth:`jac_pattern`, shape ``(..., nnz)`` (this default reads the dense
        Jacobian; a model declaring a pattern computes them directly)."""
        rows, cols = self.jac_pattern()
        return self.jac(x, p, *u)[..., rows, cols]

    def hess_values(self, x, p, w, *u):
        """Σ_a w_a ∂²F_a/∂x∂x at :meth:`hess_pattern` (repeats summed), ``(..., nnz)``."""
        rows, cols = self.hess_pattern()
        Hxx = self.hess(x, p, w, *u)[0]
        keep = np.zeros(Hxx.shape[-2:], dtype=bool)
        first = np.zeros(len(rows), dtype=bool)
        for i, (r, c) in enumerate(zip(rows, cols)):      # each entry once, repeats get 0
            first[i], keep[r, c] = not keep[r, c], True
        return np.where(first, Hxx[..., rows, cols], 0.0)

    def hess_params(self, x, p, w, *u):
        """(Σ_a w_a ∂²F_a/∂x∂p (..., D, P), Σ_a w_a ∂²F_a/∂p∂p (..., P, P))."""
        return self.hess(x, p, w, *u)[1:]

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
        if params is not None and not isinstance(params, dict):
            raise TypeError(f"params must be a dict name -> default value, got "
                            f"{type(params).__name__}")
        params = dict(params or {})
        self.D = int(D)
        self.name = str(name)
        self.param_names = tuple(params)
        self.default_params = np.array([_param_value(k, v) for k, v in params.items()])
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

    #: largest relative difference allowed between a given derivative and its finite
    #: difference estimate (central differences are accurate to ~1e-8 here)
    CHECK_RTOL = 1e-4

    def verify(self, params=None, seed: int = 0) -> None:
        """Check the user's functions before they are trusted: ``rhs`` vectorised over the
        state axis (a batch of states gives each state's own value) and leaving its input
        unmodified, real for real input; ``jac``, ``jac_p`` (and ``hess``) equal to central
        finite differences at 3 seeded points within ``CHECK_RTOL``.  Raises ValueError
        saying which check failed and by how much."""
        from .._checks import check_memory
        D, P = self.D, self.P
        check_memory(f"checking model {self.name!r} (D={D})", 8.0 * 8 * (D + 2) * (D + P + 1))
        p = self.default_params if params is None else np.asarray(params, dtype=float)
        rng = np.random.default_rng(seed)
        n = 3 if D != 3 else 4                       # a batch size that is not D
        x = rng.uniform(-1.0, 1.0, (n, D))
        u = rng.uniform(-1.0, 1.0, (n, self.n_inputs)) if self.inputs else None
        call = functools.partial(_call_checked, self.name)
        self._verify_rhs(call, x, p, u)
        if self.finite_difference and not self.has_hessian:
            return
        self._verify_derivatives(call, x, p, u, rng)

    def _verify_rhs(self, call, x, p, u) -> None:
        """:meth:`verify`'s checks of ``rhs``: its shape, and a batch equal to its states alone."""
        (n, D), name = x.shape, self.name
        F = call("rhs", self.rhs, x, p, u)
        if np.shape(F) != (n, D):
            raise ValueError(f"model {name!r}: rhs(x, p) returned shape {np.shape(F)} for x "
                             f"of shape {(n, D)}, expected {(n, D)}: rhs must be vectorised "
                             f"over the leading axes (use x[..., i], not x[i])")
        for i in range(n):
            try:
                Fi = call("rhs", self.rhs, x[i:i + 1], p, None if u is None else u[i:i + 1])
            except ValueError:
                raise
            except Exception as e:       # noqa: BLE001 - a user's function
                raise ValueError(f"model {name!r}: rhs(x, p) failed on a batch of one state, "
                                 f"shape (1, {D}): {type(e).__name__}: {e}") from e
            if np.shape(Fi) != (1, D) or not np.allclose(Fi[0], F[i], rtol=1e-10, atol=1e-12):
                raise ValueError(f"model {name!r}: rhs(x, p) of a batch of {n} states differs "
                                 f"from rhs of each state alone (state {i}): rhs must act on "
                                 f"the last axis only (use x[..., i], not x[i])")

    def _verify_derivatives(self, call, x, p, u, rng) -> None:
        """:meth:`verify`'s checks of ``jac``, ``jac_p`` and ``hess`` against central finite
        differences."""
        (n, D), P, name = x.shape, self.P, self.name
        scale = 1e-6 * np.maximum(1.0, np.abs(x))
        if self._jac is not None:
            J = call("jac", self.jac, x, p, u)
            fd = np.stack([(self.rhs(x + scale[:, b:b + 1] * np.eye(D)[b], p, u)
                            - self.rhs(x - scale[:, b:b + 1] * np.eye(D)[b], p, u))
                           / (2 * scale[:, b:b + 1]) for b in range(D)], axis=-1)
            _compare(name, "jac", "dF_a/dx_b", J, fd, (n, D, D), self.CHECK_RTOL)
        if self._jac_p is not None and P:
            Jp = call("jac_p", self.jac_p, x, p, u)
            hp = 1e-6 * np.maximum(1.0, np.abs(p))
            fd = np.stack([(self.rhs(x, p + hp[j] * np.eye(P)[j], u)
                            - self.rhs(x, p - hp[j] * np.eye(P)[j], u)) / (2 * hp[j])
                           for j in range(P)], axis=-1)
            _compare(name, "jac_p", "dF_a/dp_j", Jp, fd, (n, D, P), self.CHECK_RTOL)
        if self.has_hessian:
            w = rng.uniform(-1.0, 1.0, (n, D))
            Hxx, Hxp, Hpp = call("hess", lambda *a: self.hess(*a), x, p, w, u)
            wJ = lambda x_, p_: np.einsum("na,nab->nb", w, self.jac(x_, p_, u))     # noqa: E731
            wJp = lambda x_, p_: np.einsum("na,naj->nj", w, self.jac_p(x_, p_, u))  # noqa: E731
            fd = np.stack([(wJ(x + scale[:, c:c + 1] * np.eye(D)[c], p)
                            - wJ(x - scale[:, c:c + 1] * np.eye(D)[c], p))
                           / (2 * scale[:, c:c + 1]) for c in range(D)], axis=-1)
            _compare(name, "hess (Hxx)", "sum_a w_a d2F_a/dx_b dx_c", Hxx, fd, (n, D, D),
                     self.CHECK_RTOL)
            if P:
                hp = 1e-6 * np.maximum(1.0, np.abs(p))
                fdxp = np.stack([(wJ(x, p + hp[j] * np.eye(P)[j]) - wJ(x, p - hp[j] * np.eye(P)[j]))
                                 / (2 * hp[j]) for j in range(P)], axis=-1)
                _compare(name, "hess (Hxp)", "sum_a w_a d2F_a/dx_b dp_j", Hxp, fdxp,
                         (n, D, P), self.CHECK_RTOL)
                fdpp = np.stack([(wJp(x, p + hp[j] * np.eye(P)[j]) - wJp(x, p - hp[j] * np.eye(P)[j]))
                                 / (2 * hp[j]) for j in range(P)], axis=-1)
                _compare(name, "hess (Hpp)", "sum_a w_a d2F_a/dp_i dp_j", Hpp, fdpp,
                         (n, P, P), self.CHECK_RTOL)


def _call_checked(name: str, fn_name: str, fn, *args):
    """``fn(*args)``, refused if it changed an input in place or returned complex values."""
    keep = [None if a is None else np.array(a, copy=True) for a in args]
    out = fn(*args)
    for a, k in zip(args, keep):
        if k is not None and not np.array_equal(a, k, equal_nan=True):
            raise ValueError(f"model {name!r}: {fn_name}(x, p) modified its input in "
                             f"place (max change {np.nanmax(np.abs(a - k)):.3g}); "
                             f"compute into a new array instead")
    if any(np.iscomplexobj(o) for o in (out if isinstance(out, tuple) else (out,))):
        raise ValueError(f"model {name!r}: {fn_name}(x, p) returned complex values "
                         f"for a real state")
    return out


def _compare(model: str, fn: str, what: str, given, fd, shape, rtol) -> None:
    """Refuse ``given`` unless it has ``shape`` and matches the finite differences ``fd``."""
    given = np.asarray(given, dtype=float)
    if given.shape != shape:
        raise ValueError(f"model {model!r}: {fn} returned shape {given.shape} for a batch of "
                         f"{shape[0]} states, expected {shape}")
    err = np.abs(given - fd)
    rel = float(np.max(err) / max(1.0, float(np.max(np.abs(fd)))))
    if not np.isfinite(rel) or rel > rtol:
        k = np.unravel_index(int(np.nanargmax(err)), err.shape)
        raise ValueError(f"model {model!r}: {fn} does not match finite differences of "
                         f"{'rhs' if fn.startswith('jac') else 'jac/jac_p'} ({what}): at "
                         f"entry {tuple(int(i) for i in k[1:])} of sample state {int(k[0])} it "
                         f"gives {given[k]:.6g}, finite differences {fd[k]:.6g} (relative "
                         f"difference {rel:.3g}, allowed {rtol:g})")


def _param_value(name, v) -> float:
    if not isinstance(name, str):
        raise TypeError(f"params: parameter names must be strings, got {name!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"params[{name!r}] must be a real number, got {v!r}")
    if not np.isfinite(v):
        raise ValueError(f"params[{name!r}] must be finite, got {v!r}")
    return float(v)


def _numeric(name: str, out):
    """A user function's output as an array of numbers, or a TypeError naming the function."""
    arr = np.asarray(out) if out is not None else None
    if arr is None or arr.dtype.kind not in "iufc":
        kind = type(out).__name__ + (f" of dtype {arr.dtype}" if arr is not None else "")
        raise TypeError(f"{name}(x, p) must return an array of numbers, got {kind}")
    return _arr(arr)
