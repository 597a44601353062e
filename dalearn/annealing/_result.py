"""The result of precision annealing, and its file: plain arrays and JSON in an .npz."""
from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from .._checks import check_memory
from .._io import atomic_write
from ..optimize import STATUS
from ._success import lowest_level

__all__ = ["AnnealResult"]


@dataclass(frozen=True)
class AnnealResult:
    """Results of precision annealing.

    Shapes: ``n_beta`` values of β, ``n_init`` starts, ``P`` parameters (all of the model's;
    fixed ones repeat their value); a path is ``(D, M)`` for a data assimilation Problem
    (``D`` components, ``M`` model times) and ``(K, n_layers + 1, width)`` for a network.

    betas (n_beta,), Rf (n_beta, D), Rm (D,) [0 for unobserved components],
    action / meas_term / model_term / nit / status (n_beta, n_init),
    params (n_beta, n_init, P), paths (n_init, *path) at the last β,
    init_paths (n_init, *path), init_params (n_init, P),
    all_paths (n_beta, n_init, *path) or None, t (M,) model times (or layer indices).
    ``status`` codes: see ``dalearn.optimize.STATUS`` (0 = converged: with second
    derivatives, a verified minimum).  The final point's check per (β, start), (n_beta,
    n_init), or None for results without it: ``decrement`` (½ gᵀH⁻¹g / A), ``grad_max``
    (max |∂A/∂z|), ``pos_def`` (1: the exact Hessian has a Cholesky factor, 0: it has not,
    -1: not checked: the model has no second derivatives, or an 'lm'/'lbfgsb' solve before
    the last β, where the check is skipped to save its cost).
    ``expected_level``: where the problem's noise-consistent minimum of the action lies
    (1 for data assimilation; lower for a network, whose weights are fitted too).
    """
    betas: np.ndarray
    Rf: np.ndarray
    Rm: np.ndarray
    action: np.ndarray
    meas_term: np.ndarray
    model_term: np.ndarray
    params: np.ndarray
    status: np.ndarray
    nit: np.ndarray
    paths: np.ndarray
    init_paths: np.ndarray
    init_params: np.ndarray
    t: np.ndarray
    param_names: tuple = ()
    estimate: tuple = ()
    wall_s: float = float("nan")
    settings: dict = field(default_factory=dict)
    all_paths: np.ndarray | None = None
    expected_level: float = 1.0
    decrement: np.ndarray | None = None
    grad_max: np.ndarray | None = None
    pos_def: np.ndarray | None = None

    # ---------------------------------------------------------------- summaries
    @property
    def n_beta(self) -> int:
        return len(self.betas)

    @property
    def n_init(self) -> int:
        return self.action.shape[1]

    @property
    def converged(self) -> np.ndarray:
        """Bool (n_beta, n_init): the optimiser reported convergence."""
        return self.status == 0

    @property
    def verified(self) -> np.ndarray:
        """Bool (n_beta, n_init): converged at a point whose exact Hessian was factored
        (False where the model has no second derivatives to check with)."""
        if self.pos_def is None:
            return np.zeros(self.status.shape, dtype=bool)
        return (self.status == 0) & (self.pos_def == 1)

    @property
    def final_action(self) -> np.ndarray:
        """Action at the last β per start, (n_init,)."""
        return self.action[-1]

    @property
    def best(self) -> int:
        """Index of the start with the lowest final action (non-finite ones never win)."""
        a = np.where(np.isfinite(self.final_action), self.final_action, np.inf)
        return int(np.argmin(a))

    @property
    def log_ratio(self) -> np.ndarray:
        """log10(R_f / R_m) per β, with means over components (observed ones for R_m)."""
        Rm = self.Rm[self.Rm > 0].mean()
        return np.log10(self.Rf.mean(axis=1) / Rm)

    def levels(self, rtol: float = 1e-3, beta_index: int = -1) -> np.ndarray:
        """Distinct action levels at one β (starts within ``rtol`` are one level), sorted."""
        a = np.sort(self.action[beta_index][np.isfinite(self.action[beta_index])])
        if a.size == 0:
            return a
        out = [a[0]]
        for v in a[1:]:
            if v - out[-1] > rtol * abs(out[-1]):
                out.append(v)
        return np.array(out)

    def fraction_at_lowest(self, rtol: float = 1e-3, beta_index: int = -1) -> float:
        """Fraction of starts whose action at ``beta_index`` is within ``rtol`` of the lowest."""
        a = self.action[beta_index]
        low = np.nanmin(a)
        return float(np.mean(np.isfinite(a) & (a - low <= rtol * abs(low))))

    def lowest_level(self, *, rtol: float = 1e-3, beta_index: int = -1,
                     band: tuple | None = None):
        """How many starts reached the lowest level at ``beta_index``, the probability p that
        one random start does (with its 95 % interval), the starts for a 99 % chance, and
        warnings: see :func:`dalearn.annealing.lowest_level`."""
        return lowest_level(self, rtol=rtol, beta_index=beta_index, band=band)

    def path(self, beta_index: int = -1, start: int | None = None) -> np.ndarray:
        """Path (D, M) of ``start`` (default: best) at ``beta_index`` (all β need
        ``keep_all=True``)."""
        start = self.best if start is None else start
        if beta_index in (-1, self.n_beta - 1):
            return self.paths[start]
        if self.all_paths is None:
            raise ValueError("paths at every β were not kept: anneal(..., keep_all=True)")
        return self.all_paths[beta_index, start]

    def param_estimates(self, start: int | None = None) -> dict:
        """Final estimates of the estimated parameters, {name: value}."""
        start = self.best if start is None else start
        return {n: float(self.params[-1, start, self.param_names.index(n)])
                for n in self.estimate}

    # ---------------------------------------------------------------- save/load
    def save(self, path) -> Path:
        """Write to ``path`` exactly (no suffix added): an .npz of plain arrays and JSON text,
        no pickle.  The write is atomic: a failed save leaves a previous file intact.
        Returns the path written."""
        return atomic_write(path, self.write)

    def write(self, fileobj) -> None:
        """Write the .npz of :meth:`save` into an open binary file (e.g. one file of
        ``dalearn._io.write_together``)."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)}
        meta = {"format": FORMAT, "param_names": list(self.param_names),
                "estimate": list(self.estimate), "wall_s": _finite_or_none(self.wall_s),
                "settings": self.settings, "expected_level": float(self.expected_level)}
        np.savez_compressed(fileobj, _meta=np.array(json.dumps(meta, allow_nan=False)),
                            **arrays)

    @classmethod
    def load(cls, path) -> "AnnealResult":
        """Read a file written by :meth:`save`, checking everything it reads; anything else
        raises ``ValueError("not a dalearn result: ...")``."""
        try:
            data, meta = _read(path)
        except _NotAResult as e:
            raise ValueError(f"not a dalearn result: {path}: {e}") from None
        return cls(param_names=tuple(meta["param_names"]), estimate=tuple(meta["estimate"]),
                   wall_s=float("nan") if meta["wall_s"] is None else float(meta["wall_s"]),
                   settings=meta["settings"], all_paths=data.pop("all_paths", None),
                   **{k: data.pop(k, None) for k in _OPTIONAL},
                   expected_level=meta["expected_level"], **data)


FORMAT = "dalearn.AnnealResult/1"
_REQUIRED = ("betas", "Rf", "Rm", "action", "meas_term", "model_term", "params", "status",
             "nit", "paths", "init_paths", "init_params", "t")
_OPTIONAL = ("decrement", "grad_max", "pos_def")
_INTEGER = ("status", "nit", "pos_def")


class _NotAResult(Exception):
    """What is wrong with a file that should hold an AnnealResult."""


def _finite_or_none(v):
    return float(v) if v is not None and np.isfinite(v) else None


#: largest ratio of a deflated member's size to its compressed size (deflate's limit is
#: about 1032; more is a forged size)
_MAX_RATIO = 1100
#: largest metadata text read (bytes)
_MAX_META = 16 * 2 ** 20


def _member_header(z, info):
    """(shape, dtype, header bytes) of one .npy member, reading only its header."""
    with z.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        return shape, dtype, f.tell()


def _headers(z) -> dict:
    """{name: (shape, dtype)} of every member, from the headers only, with the sizes each
    member declares checked against what the file can hold (before anything is inflated)."""
    names = [i.filename for i in z.infolist()]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _NotAResult(f"duplicate members {dup}")
    heads = {}
    for info in z.infolist():
        if not info.filename.endswith(".npy"):
            raise _NotAResult(f"member {info.filename!r} is not an .npy array")
        name = info.filename[:-4]
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise _NotAResult(f"member {name!r} declares {info.file_size} bytes but stores "
                              f"{info.compress_size}")
        if info.file_size > _MAX_RATIO * info.compress_size + 4096:
            raise _NotAResult(f"member {name!r} declares {info.file_size} bytes, more than its "
                              f"{info.compress_size} compressed bytes can hold")
        shape, dtype, head = _member_header(z, info)
        if dtype.hasobject:
            raise _NotAResult(f"array {name!r} holds Python objects (pickle is never loaded)")
        n = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if head + n != info.file_size:
            raise _NotAResult(f"member {name!r}: its header declares {n} bytes of data, the "
                              f"archive {info.file_size - head}")
        heads[name] = (tuple(shape), dtype)
    return heads


def _read(path) -> tuple[dict, dict]:
    """Arrays and metadata of a saved result, or _NotAResult saying why not."""
    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise _NotAResult("no such file") from None
    except IsADirectoryError:
        raise _NotAResult("a directory") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _NotAResult("not an .npz archive") from None
    try:
        with z:
            heads = _headers(z)
            if "_meta" not in heads:
                raise _NotAResult("no metadata (_meta)")
            shape, dtype = heads["_meta"]
            if dtype.kind != "U" or shape != () or dtype.itemsize > _MAX_META:
                raise _NotAResult("metadata (_meta) is not one text")
            meta = _meta(np.lib.format.read_array(z.open("_meta.npy"), allow_pickle=False))
            _check_format(meta)
            shapes = {k: v[0] for k, v in heads.items() if k != "_meta"}
            _check_members(shapes, {k: v[1] for k, v in heads.items() if k != "_meta"})
            _check_shapes(shapes, meta)
            check_memory("loading this result", sum(
                float(np.prod(v[0], dtype=float)) * v[1].itemsize for v in heads.values()))
            data = {k: np.lib.format.read_array(z.open(k + ".npy"), allow_pickle=False)
                    for k in shapes}
    except FileNotFoundError:
        raise _NotAResult("no such file") from None
    except IsADirectoryError:
        raise _NotAResult("a directory") from None
    except _NotAResult:
        raise
    except ValueError as e:
        if "would need about" in str(e):          # check_memory
            raise _NotAResult(str(e)) from None
        raise _NotAResult(f"unreadable archive ({type(e).__name__}: {e})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, RecursionError,
            MemoryError, OverflowError) as e:
        raise _NotAResult(f"corrupt or unreadable archive ({type(e).__name__}: "
                          f"{str(e)[:120]})") from None
    except OSError as e:
        raise _NotAResult(f"not an .npz archive ({e.strerror or e})") from None
    _check_values(data)
    return data, meta


def _meta(text) -> dict:
    try:
        meta = json.loads(str(text))
    except (ValueError, TypeError, RecursionError):
        raise _NotAResult("metadata is not JSON (or nested too deeply)") from None
    if not isinstance(meta, dict):
        raise _NotAResult("metadata is not a JSON object")
    for key, kind in (("param_names", list), ("estimate", list), ("settings", dict)):
        if not isinstance(meta.get(key), kind):
            raise _NotAResult(f"metadata {key!r} missing or not a {kind.__name__}")
    if not all(isinstance(n, str) for n in meta["param_names"] + meta["estimate"]):
        raise _NotAResult("parameter names must be strings")
    if len(set(meta["param_names"])) != len(meta["param_names"]):
        raise _NotAResult(f"duplicate parameter names {meta['param_names']}")
    if not set(meta["estimate"]) <= set(meta["param_names"]):
        raise _NotAResult("estimated parameters are not among the parameter names")
    if meta.get("wall_s") is not None and not isinstance(meta["wall_s"], (int, float)):
        raise _NotAResult("metadata 'wall_s' is not a number")
    meta.setdefault("wall_s", None)
    level = meta.setdefault("expected_level", 1.0)
    if not isinstance(level, (int, float)) or not np.isfinite(level):
        raise _NotAResult("metadata 'expected_level' is not a finite number")
    return meta


def _check_format(meta: dict) -> None:
    fmt = meta.get("format")
    if fmt != FORMAT:
        raise _NotAResult(f"format {fmt!r}; this dalearn reads {FORMAT!r}" if fmt is not None
                          else f"no format version in the metadata (expected {FORMAT!r})")


def _check_members(shapes: dict, dtypes: dict) -> None:
    missing = [k for k in _REQUIRED if k not in shapes]
    extra = sorted(set(shapes) - set(_REQUIRED) - {"all_paths", *_OPTIONAL})
    if missing or extra:
        raise _NotAResult(f"missing arrays {missing}" if missing else f"unexpected arrays {extra}")
    for k, dt in dtypes.items():
        want = "iu" if k in _INTEGER else "iuf"
        if dt.kind not in want:
            raise _NotAResult(f"array {k!r} has dtype {dt}, expected "
                              f"{'integers' if k in _INTEGER else 'numbers'}")


def _check_shapes(shapes: dict, meta: dict) -> None:
    """Every array's shape consistent with n_beta, n_init, D, P and the times."""
    nb = shapes["betas"][0] if len(shapes["betas"]) == 1 else -1
    table = shapes["action"]
    if nb < 1 or len(table) != 2 or table[0] != nb:
        raise _NotAResult(f"'action' has shape {table}, expected (n_beta={nb}, n_init)")
    ni, P = table[1], len(meta["param_names"])
    if ni < 1:
        raise _NotAResult("no starts (n_init = 0)")
    D = shapes["Rm"][0] if len(shapes["Rm"]) == 1 else -1
    path = shapes["paths"][1:]
    if len(shapes["t"]) != 1:
        raise _NotAResult(f"array 't' has shape {shapes['t']}, expected 1-D")
    M = shapes["t"][0]
    if path not in ((D, M), (path[0], M, D) if len(path) == 3 else None):
        raise _NotAResult(f"paths of shape {path} do not match D={D} (Rm) and {M} times (t)")
    want = {"Rf": (nb, D), "meas_term": table, "model_term": table, "status": table,
            "nit": table, "params": (nb, ni, P), "init_params": (ni, P),
            "paths": (ni,) + path, "init_paths": (ni,) + path}
    if "all_paths" in shapes:
        want["all_paths"] = (nb, ni) + path
    for k in _OPTIONAL:
        if k in shapes:
            want[k] = table
    for k, shape in want.items():
        if shapes[k] != shape:
            raise _NotAResult(f"array {k!r} has shape {shapes[k]}, expected {shape}")


def _check_values(data: dict) -> None:
    """The ranges the metadata and the method imply."""
    b = data["betas"]
    if not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0):
        raise _NotAResult("betas must be finite and increase strictly")
    if not (np.all(np.isfinite(data["Rf"])) and np.all(data["Rf"] > 0)):
        raise _NotAResult("R_f must be finite and > 0")
    Rm = data["Rm"]
    if not (np.all(np.isfinite(Rm)) and np.all(Rm >= 0) and np.any(Rm > 0)):
        raise _NotAResult("R_m must be finite, >= 0 and > 0 somewhere")
    if np.any(data["nit"] < 0):
        raise _NotAResult("iteration counts must be >= 0")
    bad = set(np.unique(data["status"]).tolist()) - set(STATUS)
    if bad:
        raise _NotAResult(f"unknown status codes {sorted(bad)}")
    if "pos_def" in data:
        bad = set(np.unique(data["pos_def"]).tolist()) - {-1, 0, 1}
        if bad:
            raise _NotAResult(f"pos_def codes must be -1, 0 or 1, got {sorted(bad)}")
