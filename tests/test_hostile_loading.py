"""Loading: whatever the file, a result or one line saying why it is not one."""
import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dalearn as da


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    problem, _ = da.lorenz96_twin(D=5, L=3, N=12, seed=0, estimate="nu")
    r = da.anneal(problem, betas=3, n_init=2, keep_all=True, param_range={"nu": (6, 10)})
    path = tmp_path_factory.mktemp("load") / "r.npz"
    r.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    return r, path, arrays


def write(path, arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())
    return path


def not_a_result(path, reason):
    with pytest.raises(ValueError, match=f"^not a dalearn result: .*{reason}") as e:
        da.AnnealResult.load(path)
    assert "\n" not in str(e.value) and "pickle" not in str(e.value)


def test_round_trip(saved):
    r, path, _ = saved
    back = da.AnnealResult.load(path)
    np.testing.assert_array_equal(back.all_paths, r.all_paths)
    assert back.param_names == r.param_names and back.estimate == r.estimate


def test_missing_empty_truncated_and_random_files(saved, tmp_path):
    _, path, _ = saved
    not_a_result(tmp_path / "nope.npz", "no such file")
    not_a_result(tmp_path, "a directory")
    (tmp_path / "empty.npz").write_bytes(b"")
    not_a_result(tmp_path / "empty.npz", "")
    (tmp_path / "half.npz").write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    not_a_result(tmp_path / "half.npz", "")
    (tmp_path / "random.npz").write_bytes(np.random.default_rng(0).bytes(4000))
    not_a_result(tmp_path / "random.npz", "not an .npz archive")


@pytest.mark.parametrize("change,reason", [
    (lambda a: a.pop("action"), r"missing arrays \['action'\]"),
    (lambda a: a.update(extra=np.zeros(3)), r"unexpected arrays \['extra'\]"),
    (lambda a: a.pop("_meta"), "no metadata"),
    (lambda a: a.update(_meta=np.array("{not json")), "metadata is not JSON"),
    (lambda a: a.update(_meta=np.array("[1, 2]")), "not a JSON object"),
    (lambda a: a.update(_meta=np.array(json.dumps({"param_names": ["nu"]}))), "'estimate'"),
    (lambda a: a.update(_meta=np.array(json.dumps({"param_names": [1], "estimate": [],
                                                   "settings": {}}))), "must be strings"),
    (lambda a: a.update(_meta=np.array(json.dumps({"param_names": ["nu"], "estimate": ["F"],
                                                   "settings": {}}))), "not among"),
    (lambda a: a.update(action=a["action"][:, :1]), "'meas_term' has shape"),
    (lambda a: a.update(action=np.zeros((2, 7))), "'action' has shape"),
    (lambda a: a.update(params=a["params"][..., :0]), "'params' has shape"),
    (lambda a: a.update(status=np.array([["ok"] * 2] * 3)), "'status' has dtype"),
    (lambda a: a.update(status=np.full((3, 2), 17)), "unknown status codes"),
    (lambda a: a.update(paths=a["paths"][:, :, :3]), "paths of shape .* do not match"),
    (lambda a: a.update(all_paths=a["all_paths"][:1]), "'all_paths' has shape"),
])
def test_mutated_files_are_refused(saved, tmp_path, change, reason):
    _, _, arrays = saved
    arrays = dict(arrays)
    change(arrays)
    not_a_result(write(tmp_path / "m.npz", arrays), reason)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), cut=st.integers(0, 10**6))
def test_random_bytes_and_cut_files_never_crash_the_loader(saved, tmp_path, data, cut):
    _, path, _ = saved
    raw = path.read_bytes()
    for blob in (data, raw[: cut % len(raw)], raw[:cut % len(raw)] + data):
        f = tmp_path / "x.npz"
        f.write_bytes(blob)
        try:
            da.AnnealResult.load(f)
        except ValueError as e:
            assert str(e).startswith("not a dalearn result")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["betas", "Rf", "Rm", "action", "params", "paths", "status", "t"]),
       shape=st.lists(st.integers(0, 4), max_size=3))
def test_arrays_of_random_shapes_give_a_result_or_a_clear_refusal(saved, tmp_path, key, shape):
    _, _, arrays = saved
    arrays = dict(arrays)
    arrays[key] = np.zeros(shape, dtype=arrays[key].dtype)
    f = write(tmp_path / "s.npz", arrays)
    try:
        da.AnnealResult.load(f)
    except ValueError as e:
        assert str(e).startswith("not a dalearn result")
