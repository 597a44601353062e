"""Reliability (issue 27), library side: every non-clear case of the hostile-input review
(shared/reviews/hostile-input-2026-12.md, appendix) that the library decides, by class.

Each test names the review's case ids it covers; each fails on the code the review ran
(3503e50): there the call was accepted (SILENT/LOSS) or raised something that did not name
the input (UNCLEAR)."""
import io
import json
import os
import socket
import stat
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dalearn as da
from dalearn.problem import read_data
from dalearn._io import (OutputError, check_distinct, check_output_path, write_together)


# ------------------------------------------------------------- outputs and inputs (class 1)
def test_non_regular_outputs_are_refused(tmp_path):
    """out-dev-null, out-dev-full, plot-dev-null, out-fifo, out-real-dev-check"""
    os.mkfifo(tmp_path / "pipe.npz")
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(tmp_path / "sock"))
    try:
        for path, kind in ((tmp_path / "pipe.npz", "FIFO"), (tmp_path / "sock", "socket"),
                           ("/dev/null", "character device"), ("/dev/full", "character device"),
                           (tmp_path, "directory")):
            with pytest.raises(ValueError, match=f"--out.*{kind}"):
                check_output_path("--out", path)
    finally:
        s.close()
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.npz").st_mode)


def test_an_output_name_too_long_for_its_temporary_file_is_refused_before_work(tmp_path):
    """out-long-250, out-long-300"""
    for n in (250, 300):
        with pytest.raises(ValueError, match="--out: file name of .* bytes is too long"):
            check_output_path("--out", tmp_path / ("r" * n + ".npz"))
    assert check_output_path("--out", tmp_path / ("r" * 200 + ".npz"))


def _spellings(tmp_path, name):
    """The same file written four ways: plain, ./x/../, through a symlink, a hard link."""
    (tmp_path / "x").mkdir(exist_ok=True)
    target = tmp_path / name
    link = tmp_path / f"link-{name}"
    hard = tmp_path / f"hard-{name}"
    if not link.exists():
        link.symlink_to(target)
        os.link(target, hard)
    return [target, tmp_path / "x" / ".." / name, link, hard]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.from_regex(r"[a-z]{1,8}\.(csv|npz|npy|png)", fullmatch=True),
       i=st.integers(0, 3), j=st.integers(0, 3), flags=st.sampled_from(
           [("--out", "--data"), ("--plot", "--truth"), ("--out-data", "--drive")]))
def test_an_output_is_never_an_input_however_spelled(tmp_path, name, i, j, flags):
    """out-eq-data, out-eq-data-npy, plot-eq-data, out-eq-truth, plot-default-eq-truth:
    property: an output that is the input (by path, ./x/../, symlink or hard link) is refused
    naming both flags; a different file is accepted."""
    (tmp_path / name).write_text("measurements")
    ways = _spellings(tmp_path, name)
    with pytest.raises(ValueError, match=f"{flags[0]} .* would overwrite the input {flags[1]}"):
        check_distinct({flags[0]: ways[i]}, {flags[1]: ways[j]})
    check_distinct({flags[0]: tmp_path / ("other-" + name)}, {flags[1]: ways[j]})
    with pytest.raises(ValueError, match="must be different files"):
        check_distinct({flags[0]: ways[i], "--plot2": ways[j]})
    assert (tmp_path / name).read_text() == "measurements"


def test_a_folder_output_in_at_or_above_its_input_folder_is_refused(tmp_path):
    """course-out-eq-notebooks, -rel, course-out-empty-in-notebooks (the rule)"""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    (tmp_path / "x").mkdir()
    for out in (nbs, tmp_path / "x" / ".." / "nbs", nbs / "sub", tmp_path):
        with pytest.raises(ValueError, match="--student-copy .* would overwrite the input"):
            check_distinct({"--student-copy": out}, {"--notebooks": nbs},
                           folders=("--student-copy", "--notebooks"))
    check_distinct({"--student-copy": tmp_path / "learner"}, {"--notebooks": nbs},
                   folders=("--student-copy", "--notebooks"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 4), fail_at=st.integers(0, 4), old=st.booleans())
def test_outputs_are_written_all_or_none(tmp_path, n, fail_at, old):
    """out-disk-almost-full, twin-out-disk-half (the rule): property: when the write of any
    file fails, every target keeps its old content (or stays absent) and no temporary file
    is left; the computed files are saved in a rescue folder the error names."""
    import tempfile
    d = __import__("pathlib").Path(tempfile.mkdtemp(dir=tmp_path))
    paths = [d / f"f{k}.bin" for k in range(n)]
    if old:
        for p in paths:
            p.write_bytes(b"OLD")

    full = [True]                     # the output's disk is full; the rescue folder's is not

    def writer(k):
        def write(f):
            f.write(b"NEW%d" % k)
            if k == fail_at and full[0]:
                full[0] = False
                raise OSError(28, "No space left on device")
        return write

    items = [(p, writer(k)) for k, p in enumerate(paths)]
    if fail_at < n:
        with pytest.raises(OutputError, match="No space left on device.*earlier files are "
                                              "unchanged.*saved in (.*)") as e:
            write_together(items)
        for p in paths:
            assert (p.read_bytes() == b"OLD") if old else not p.exists()
        rescue = str(e.value).rsplit("saved in ", 1)[1]
        assert sorted(q.name for q in __import__("pathlib").Path(rescue).iterdir()) == \
            sorted(p.name for p in paths)
    else:
        write_together(items)
        assert [p.read_bytes() for p in paths] == [b"NEW%d" % k for k in range(n)]
    assert sorted(q.name for q in d.iterdir()) == (sorted(p.name for p in paths)
                                                   if old or fail_at >= n else [])


# ----------------------------------------------------------------- result files (class 5)
@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    tw = da.lorenz96_twin(D=5, L=3, N=20, seed=0, n_future=5)
    r = da.anneal(tw.problem, betas=5, n_init=2, seed=0)
    path = tmp_path_factory.mktemp("res") / "r.npz"
    r.save(path)
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _save(path, a, meta=None):
    a = dict(a)
    if meta is not None:
        a["_meta"] = np.array(meta if isinstance(meta, str) else json.dumps(meta))
    np.savez(path, **a)
    return path


def _meta(a, **change):
    m = json.loads(str(a["_meta"]))
    m.update(change)
    return m


def _drop(a, key):
    m = json.loads(str(a["_meta"]))
    del m[key]
    return m


CHANGES = {
    "res-meta-version-99": lambda a: (a, _meta(a, format="dalearn.AnnealResult/99"), "format"),
    "res-meta-version-missing": lambda a: (a, _drop(a, "format"), "no format version"),
    "res-meta-other-format": lambda a: (a, _meta(a, format="other.Program/1"), "format"),
    "res-arr-t-wrong": lambda a: ({**a, "t": np.arange(3.0)}, None, "paths of shape"),
    "res-arr-t-2d": lambda a: ({**a, "t": np.zeros((4, 4))}, None, "'t' has shape"),
    "res-arr-paths-D": lambda a: ({**a, "paths": a["paths"][:, :3],
                                   "init_paths": a["init_paths"][:, :3]}, None, "paths of shape"),
    "res-arr-betas-dec": lambda a: ({**a, "betas": a["betas"][::-1].copy()}, None, "betas"),
    "res-arr-betas-nan": lambda a: ({**a, "betas": np.where(np.arange(5) == 2, np.nan,
                                                            a["betas"])}, None, "betas"),
    "res-arr-Rf-neg": lambda a: ({**a, "Rf": -a["Rf"]}, None, "R_f"),
    "res-arr-Rm-neg": lambda a: ({**a, "Rm": -a["Rm"]}, None, "R_m"),
    "res-arr-posdef-7": lambda a: ({**a, "pos_def": np.full_like(a["pos_def"], 7)}, None,
                                   "pos_def"),
    "res-arr-nit-neg": lambda a: ({**a, "nit": -a["nit"] - 1}, None, "iteration counts"),
    "res-arr-ninit-0": lambda a: ({k: (v[..., :0] if k in ("action", "meas_term", "model_term",
                                                         "status", "nit", "decrement",
                                                         "grad_max", "pos_def") else
                                       v[:, :0] if k == "params" else
                                       v[:0] if k in ("paths", "init_paths", "init_params")
                                       else v) for k, v in a.items()}, None, "no starts"),
    "res-meta-nested": lambda a: (a, "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "res-meta-dup-names": lambda a: (a, _meta(a, param_names=["nu", "nu"]), "duplicate"),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_tampered_results_are_refused_in_one_line(tmp_path, arrays, case):
    a, meta, why = CHANGES[case](arrays)
    path = _save(tmp_path / "r.npz", a, meta)
    with pytest.raises(ValueError, match=f"^not a dalearn result: .*{why}") as e:
        da.AnnealResult.load(path)
    assert "\n" not in str(e.value)


def _zip_members(path, members, compress=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compress) as z:
        for name, data in members:
            z.writestr(name, data)
    return path


def _npy(a):
    b = io.BytesIO()
    np.lib.format.write_array(b, a)
    return b.getvalue()


def test_duplicate_members_are_refused(tmp_path, arrays):
    """res-dup-member"""
    import warnings
    members = [(k + ".npy", _npy(v)) for k, v in arrays.items()]
    members.append(("action.npy", _npy(arrays["action"] * 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = _zip_members(tmp_path / "r.npz", members)
    with pytest.raises(ValueError, match="duplicate members \\['action.npy'\\]"):
        da.AnnealResult.load(path)


def test_corrupt_deflate_streams_are_one_line(tmp_path, arrays):
    """res-crc-corrupt, res-deflate-corrupt"""
    path = _zip_members(tmp_path / "r.npz", [(k + ".npy", _npy(v)) for k, v in arrays.items()])
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("paths.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 40, start + info.compress_size - 4):
        raw[k] ^= 0x5A
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="^not a dalearn result: .*(corrupt|unreadable|Error)") \
            as e:
        da.AnnealResult.load(path)
    assert "\n" not in str(e.value)


def test_a_declared_size_the_file_cannot_hold_is_refused_before_inflating(tmp_path, arrays):
    """res-declared-huge-truncated, res-zipbomb-3gib-capped: a header declaring 149 GiB (or
    3 GiB of zeros, which deflate really can hold) is refused from the header alone."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False,
                                                "shape": (20_000_000_000,)})
    members = [(k + ".npy", _npy(v)) for k, v in arrays.items() if k != "t"]
    path = _zip_members(tmp_path / "r.npz", members + [("t.npy", head.getvalue() + b"\0" * 64)])
    with pytest.raises(ValueError, match="declares"):
        da.AnnealResult.load(path)
    bomb = np.zeros(402_653_184 // 64)          # 48 MiB here, the same shape check applies
    members = [(k + ".npy", _npy(v)) for k, v in arrays.items() if k != "t"]
    path = _zip_members(tmp_path / "b.npz", members + [("t.npy", _npy(bomb))])
    with pytest.raises(ValueError, match="paths of shape .* do not match"):
        da.AnnealResult.load(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["betas", "Rf", "Rm", "action", "params", "status", "nit", "paths",
                            "init_paths", "init_params", "t", "pos_def"]),
       how=st.sampled_from(["drop-row", "negate", "nan", "transpose", "scalar"]))
def test_any_mutated_array_loads_consistently_or_is_refused(tmp_path, arrays, key, how):
    """Property: a result file with one array changed either loads into a result whose
    shapes agree (n_beta, n_init, D, M) and whose best start and levels can be read, or is
    refused with one line."""
    a = dict(arrays)
    v = a[key]
    a[key] = {"drop-row": lambda: v[:-1], "negate": lambda: -v,
              "nan": lambda: np.full(v.shape, np.nan) if v.dtype.kind == "f" else v,
              "transpose": lambda: v.T.copy(), "scalar": lambda: np.array(v.flat[0])}[how]()
    path = _save(tmp_path / f"{key}-{how}.npz", a)
    try:
        r = da.AnnealResult.load(path)
    except ValueError as e:
        assert str(e).startswith("not a dalearn result:") and "\n" not in str(e)
        return
    assert r.paths.shape[1:] == (len(r.Rm), len(r.t)) and r.action.shape == r.status.shape
    assert r.action.shape[0] == len(r.betas) and np.all(np.diff(r.betas) > 0)
    assert np.all(r.Rf > 0) and r.n_init >= 1
    r.best, r.levels()


# ---------------------------------------------------------------- CustomModel (class 4)
def _rhs(x, p):
    return np.stack([x[..., 1], -p[0] * x[..., 0] - p[1] * x[..., 1]], axis=-1)


def _jac(x, p):
    J = np.zeros(x.shape + (2,))
    J[..., 0, 1] = 1.0
    J[..., 1, 0], J[..., 1, 1] = -p[0], -p[1]
    return J


def _jac_p(x, p):
    Jp = np.zeros(x.shape + (2,))
    Jp[..., 1, 0], Jp[..., 1, 1] = -x[..., 0], -x[..., 1]
    return Jp


def _hess(x, p, w):
    Hxp = np.zeros(x.shape + (2,))
    Hxp[..., 0, 0] = Hxp[..., 1, 1] = -w[..., 1]
    return np.zeros(x.shape + (2,)), Hxp, np.zeros(x.shape[:-1] + (2, 2))


def _mutating_rhs(x, p):
    x *= 2
    return _rhs(x, p)


_T = np.arange(40) * 0.05
_Y = np.cos(2 * _T)[None, :] + 0.1 * np.random.default_rng(0).normal(size=(1, 40))
_P = {"omega2": 4.0, "gamma": 0.0}


def _problem(**functions):
    m = da.CustomModel(D=2, params=_P, **{"rhs": _rhs, "jac": _jac, "jac_p": _jac_p,
                                          **functions})
    return da.Problem(m, _Y, 0.05, observed=[0], sigma=0.1, estimate=["omega2"])


@pytest.mark.parametrize("case,functions,why", [
    ("cm-jac-wrong-values", {"jac": lambda x, p: -_jac(x, p)},
     r"jac does not match finite differences of rhs .*relative difference 2"),
    ("cm-jac-transposed", {"jac": lambda x, p: np.swapaxes(_jac(x, p), -1, -2)},
     "jac does not match finite differences"),
    ("cm-jacp-wrong-values", {"jac_p": lambda x, p: _jac_p(x, p)[..., ::-1]},
     "jac_p does not match finite differences"),
    ("cm-hess-wrong", {"hess": lambda x, p, w: tuple(-h for h in _hess(x, p, w))},
     r"hess \(Hxp\) does not match"),
    ("cm-rhs-1d-only", {"rhs": lambda x, p: np.array([x[1], -p[0] * x[0]])},
     "rhs must be vectorised"),
    ("cm-rhs-mutates-x", {"rhs": _mutating_rhs}, "modified its input in place"),
    ("cm-rhs-complex", {"rhs": lambda x, p: _rhs(x, p) + 0j}, "complex values"),
])
def test_a_broken_custom_model_is_refused_before_annealing(case, functions, why):
    """The review's negated Jacobian gave omega2 = 13.9 (truth 4.24), 'converged'."""
    with pytest.raises(ValueError, match=why):
        _problem(**functions)


def test_a_correct_custom_model_passes_and_fits():
    pb = _problem(hess=_hess)
    r = da.anneal(pb, betas=12, Rf0=1.0, n_init=2, seed=0, param_range={"omega2": (1.0, 8.0)})
    assert abs(r.param_estimates()["omega2"] - 4.24) < 0.05


@pytest.mark.parametrize("case,value,err,why", [
    ("cm-params-text", "four", TypeError, r"params\['omega2'\] must be a real number"),
    ("cm-params-none-value", None, TypeError, r"params\['omega2'\] must be a real number"),
    ("cm-params-nan", float("nan"), ValueError, r"params\['omega2'\] must be finite"),
])
def test_custom_model_parameter_defaults_are_checked(case, value, err, why):
    with pytest.raises(err, match=why):
        da.CustomModel(_rhs, 2, {"omega2": value, "gamma": 0.0}, jac=_jac, jac_p=_jac_p)


def test_an_unpicklable_model_is_refused_before_a_process_pool_runs():
    """cm-lambda-workers"""
    from concurrent.futures import ProcessPoolExecutor
    pb = _problem(jac=lambda x, p: _jac(x, p))
    with ProcessPoolExecutor(1) as ex:
        with pytest.raises(TypeError, match="executor: a process pool must pickle the problem"):
            da.anneal(pb, betas=3, n_init=2, executor=ex)


# ------------------------------------------------------------------ data files (class 5)
def _data(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def _rows(n=6):
    return "".join(f"{0.025 * j!r},{np.sin(j):.6f},{np.cos(j):.6f}\n" for j in range(n))


def test_a_bom_before_a_header_less_file_keeps_every_row(tmp_path):
    """data-bom-noheader: N = 19, t0 = 0.025 before"""
    t0, dt, y = read_data(_data(tmp_path, b"\xef\xbb\xbf" + _rows().encode()), 2)
    assert (t0, y.shape[1]) == (0.0, 6)


@pytest.mark.parametrize("case,first", [("data-firstrow-text-noheader", "0.0,0.84x,0.54\n"),
                                        ("data-firstrow-typo-time", "0.o,0.84,0.54\n")])
def test_a_first_row_that_does_not_parse_is_an_error_naming_line_1(tmp_path, case, first):
    with pytest.raises(ValueError, match="d.csv: line 1: .* is not a number"):
        read_data(_data(tmp_path, first + _rows()[_rows().index("\n") + 1:]), 2)


def test_a_header_of_names_is_still_a_header(tmp_path):
    t0, dt, y = read_data(_data(tmp_path, "t,x0,x2\n" + _rows()), 2)
    assert y.shape == (2, 6)


@pytest.mark.parametrize("cell", ["4_0.83", "1_000", "٥", "0x10"])
def test_numbers_are_read_exactly(tmp_path, cell):
    """data-underscore-num: '4_0.83' was read as 40.83"""
    text = _rows().replace("0.841471", cell, 1)
    with pytest.raises(ValueError, match=f"line 2: '{cell}' is not a number"):
        read_data(_data(tmp_path, text), 2)


def test_a_npy_header_declaring_more_than_the_file_holds_is_refused(tmp_path):
    """npy-huge-header-shape (a 2 TiB MemoryError traceback before)"""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False,
                                                "shape": (100_000_000_000, 3)})
    p = _data(tmp_path, head.getvalue() + b"\0" * 48, "d.npy")
    with pytest.raises(ValueError, match="d.npy: its header declares .* bytes"):
        read_data(p, 2)


def test_an_unreadable_or_unnamed_data_file_is_one_line(tmp_path, monkeypatch):
    """data-unreadable, data-no-read-permission, data-empty-name"""
    p = _data(tmp_path, _rows())

    def denied(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(type(p), "read_bytes", denied)
    with pytest.raises(ValueError, match="d.csv: cannot read \\(Permission denied\\)"):
        read_data(p, 2)
    with pytest.raises(ValueError, match="file name is empty"):
        read_data("", 2)


# ---------------------------------------------------------------- API arguments (class 6)
@pytest.fixture(scope="module")
def tw():
    return da.lorenz96_twin(D=5, L=3, N=20, seed=0, n_future=5)


API = {
    "prob-sigma-huge": (lambda tw: da.Problem(da.Lorenz96(D=5), tw.problem.data, 0.025,
                        observed=tw.problem.observed, sigma=1e200), "sigma .* too large"),
    "prob-t0-huge": (lambda tw: da.Problem(da.Lorenz96(D=5), tw.problem.data, 0.025,
                     observed=tw.problem.observed, sigma=0.4, t0=1e300), "t0 = .* too large"),
    "prob-t0-huge-grid": (lambda tw: da.Problem(da.Lorenz96(D=5), tw.problem.data, 0.025,
                          observed=tw.problem.observed, sigma=0.4, t0=1e17), "t0 = .* too large"),
    "prob-k-huge": (lambda tw: da.Problem(da.Lorenz96(D=5), tw.problem.data, 0.025,
                    observed=tw.problem.observed, sigma=0.4, k=10**9), "model grid .* memory"),
    "prob-estimate-int": (lambda tw: da.Problem(da.Lorenz96(D=5), tw.problem.data, 0.025,
                          observed=tw.problem.observed, sigma=0.4, estimate=1), "estimate must"),
    "cm-D-huge": (lambda tw: da.Problem(da.CustomModel(_rhs, 2 * 10**10, _P, jac=_jac,
                                                       jac_p=_jac_p), np.zeros((1, 40)), 0.05,
                                        observed=[0], sigma=0.1), "D=20000000000.* memory"),
    "cli-D-D-huge (library)": (lambda tw: da.Lorenz96(D=10**9), r"Lorenz96\(D=1000000000\)"),
    "twin-params-str": (lambda tw: da.twin_experiment(da.Lorenz96(D=5), N=20, params="8"),
                        "params must be 1 finite"),
    "twin-x0-wrong": (lambda tw: da.twin_experiment(da.Lorenz96(D=5), N=20, x0=np.zeros(3)),
                      "x0 must be 5"),
    "twin-substeps-0": (lambda tw: da.twin_experiment(da.Lorenz96(D=5), N=20, substeps=0),
                        "substeps"),
    "twin-spinup-neg": (lambda tw: da.twin_experiment(da.Lorenz96(D=5), N=20, spinup=-5.0),
                        "spinup"),
    "twin-spinup-nan": (lambda tw: da.twin_experiment(da.Lorenz96(D=5), N=20,
                                                      spinup=float("nan")), "spinup"),
    "twin-model-str": (lambda tw: da.twin_experiment("lorenz96", N=20), "model must be"),
    "predict-substeps-0": (lambda tw: da.predict(tw.problem, tw.truth.x, n_steps=3, substeps=0),
                           "substeps"),
    "predict-nsteps-huge": (lambda tw: da.predict(tw.problem, tw.truth.x, n_steps=10**12),
                            "n_steps"),
    "predict-params-wrong": (lambda tw: da.predict(tw.problem, tw.truth.x, params=[1.0, 2.0, 3.0],
                                                   n_steps=3), "params must be 1 finite"),
    "predict-params-nan": (lambda tw: da.predict(tw.problem, tw.truth.x, params=[np.nan],
                                                 n_steps=3), "params must be 1 finite"),
    "rms-components-oob": (lambda tw: da.rms(tw.truth.x, tw.truth.x, [7]), "components"),
    "chaotic-current-amp-nan": (lambda tw: da.chaotic_current(5.0, amplitude=float("nan")),
                                "amplitude"),
    "chaotic-current-tend-huge": (lambda tw: da.chaotic_current(1e12), "t_end"),
    "ann-betas-very-neg": (lambda tw: da.anneal(tw.problem, betas=[-2000, -1999, -1998],
                                                n_init=1), "underflows to 0"),
    "net-backprop-problem-str": (lambda tw: da.train_backprop("p", n_init=1),
                                 "problem must be a NetworkProblem"),
    "net-twin-huge": (lambda tw: da.network_twin(width=3, n_layers=10**9, K_train=5, K_test=5),
                      "network_twin .* memory"),
    "net-forward-x0-wrong": (lambda tw: da.Network(3, 2).forward(
        np.zeros(da.Network(3, 2).n_weights), np.zeros((2, 4))), "x0 must be"),
    "lap-result-str": (lambda tw: __import__("dalearn.uncertainty").uncertainty.laplace(
        tw.problem, "run.npz"), "result must be an AnnealResult"),
}


@pytest.mark.parametrize("case", sorted(API))
def test_bad_api_arguments_are_named(tw, case):
    call, why = API[case]
    with pytest.raises((ValueError, TypeError), match=why):
        call(tw)


@pytest.mark.parametrize("maxiter", [0, -5])
def test_backprop_maxiter_is_checked(maxiter):
    """net-backprop-maxiter-0, net-backprop-maxiter-neg"""
    tn = da.network_twin(width=3, n_layers=4, K_train=5, K_test=5, seed=0)
    with pytest.raises(ValueError, match="maxiter"):
        da.train_backprop(tn.problem(da.Network(3, 2)), n_init=1, maxiter=maxiter)


def test_laplace_refuses_a_result_of_another_problem():
    """lap-other-problem-sameshape: other error bars (27.8 against 15.5), silently"""
    from dalearn.uncertainty import laplace
    twe = da.lorenz96_twin(D=5, L=3, N=20, seed=0, n_future=5, estimate=["nu"])
    res = da.anneal(twe.problem, betas=6, n_init=2, seed=0, param_range={"nu": (6.0, 10.0)})
    tw2 = da.lorenz96_twin(D=5, L=2, sigma=0.05, N=20, seed=1, n_future=5, estimate=["nu"])
    assert laplace(twe.problem, res).status == 0
    with pytest.raises(ValueError, match="annealed on another problem"):
        laplace(tw2.problem, res)


def test_anneal_records_a_numpy_seed_and_refuses_a_shut_executor(tw):
    """ann-seed-npint-saved, ann-executor-shutdown"""
    from concurrent.futures import ThreadPoolExecutor
    assert da.anneal(tw.problem, betas=2, n_init=1, seed=np.int64(7)).settings["seed"] == 7
    ex = ThreadPoolExecutor(2)
    ex.shutdown()
    with pytest.raises(ValueError, match="executor cannot take work"):
        da.anneal(tw.problem, betas=3, n_init=2, executor=ex)


def test_ctrl_c_keeps_the_finished_starts(tw):
    """cli-ninit-1e5-tiny-problem (library side): an interrupted run is not all lost"""
    from dalearn.annealing import AnnealInterrupted

    def progress(done, total):
        if done == 9:
            raise KeyboardInterrupt
    with pytest.raises(AnnealInterrupted) as e:
        da.anneal(tw.problem, betas=4, n_init=5, seed=0, progress=progress)
    assert (e.value.done, e.value.total, e.value.partial.n_init) == (2, 5, 2)
    full = da.anneal(tw.problem, betas=4, n_init=2, seed=0)
    np.testing.assert_allclose(e.value.partial.final_action, full.final_action)


# -------------------------------------------------------- exercises and presets (class 6)
@pytest.mark.parametrize("answer", [10**400, -10**400,
                                    type("R", (), {"__repr__": lambda s: 1 / 0})()])
def test_check_answers_every_answer(answer):
    """ex-ans-int-10e400, ex-ans-neg-int-10e400, ex-ans-exc-repr"""
    for eid in ("05.1", "02.1", "01.3"):
        c = da.exercise(eid).check(answer)
        assert c.status == "incorrect" and c.message


def test_exercises_and_presets_do_not_share_state():
    """ex-hint-true, ex-hint-state-shared, ex-mutate-bank, preset-mutate"""
    with pytest.raises(ValueError, match="n must be an integer"):
        da.exercise("01.3").hint(True)
    a = da.exercise("01.3")
    a.hint(), a.hint()
    assert str(da.exercise("01.3").hint()).startswith("Hint 1 of")
    e = da.exercise("01.3")
    right = e.answer
    e.answer = "z"
    assert da.exercise("01.3").answer == right
    s = da.get_preset("lorenz96-L12")
    s.twin.params["nu"] = 99.0
    assert da.get_preset("lorenz96-L12").twin.params.get("nu") != 99.0
