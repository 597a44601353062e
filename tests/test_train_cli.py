"""``python -m dalearn train``: networks from the command line."""
import json

import numpy as np
import pytest

from dalearn import AnnealResult
from dalearn.cli import main
from dalearn.network import Network, network_twin

SMALL = ["--width", "3", "--teacher-layers", "10", "--student-layers", "2", "--pairs", "10",
         "--test-pairs", "50", "--n-init", "2", "--seed", "1"]


def _run(capsys, argv):
    assert main(["train", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_by_annealing_reports_every_start_and_writes_files(tmp_path, capsys):
    out = tmp_path / "t.npz"
    s = _run(capsys, SMALL + ["--betas", "0:10:2", "--out", str(out)])
    assert s["method"] == "anneal" and s["optimizer"] == "newton"
    for key in ("final_actions", "train_loss", "heldout_rms", "status"):
        assert len(s[key]) == 2
    r = AnnealResult.load(out)
    np.testing.assert_allclose(r.final_action, s["final_actions"])
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the reported numbers are the library's for the same twin and student
    twin = network_twin(width=3, n_layers=10, K_train=10, K_test=50, sigma=0.01, seed=1,
                        shared=False)
    pb = twin.problem(Network(3, 2, "tanh"))
    for i in range(2):
        assert s["heldout_rms"][i] == pytest.approx(twin.heldout_error(pb, r.params[-1, i]))
        assert s["train_loss"][i] == pytest.approx(pb.strong_loss_grad(r.params[-1, i])[0])


def test_train_by_backprop_and_a_recurrent_plain_student(tmp_path, capsys):
    s = _run(capsys, SMALL + ["--method", "backprop", "--out", str(tmp_path / "b.npz")])
    assert "final_actions" not in s and s["plot"] is None
    assert all(st == "converged" for st in s["status"])
    # the file holds what was reported
    with np.load(tmp_path / "b.npz") as f:
        np.testing.assert_allclose(f["loss"], s["train_loss"], rtol=1e-9)
    s = _run(capsys, SMALL + ["--shared", "--plain", "--activation", "sigmoid",
                              "--betas", "0:6:2", "--out", str(tmp_path / "r.npz")])
    r = AnnealResult.load(tmp_path / "r.npz")
    assert r.settings is not None and r.params.shape[-1] == 3 * 3 + 3   # one weight set


@pytest.mark.parametrize("argv,msg", [
    (["--width", "0"], "--width must be"),
    (["--sigma", "-1"], "--sigma must be"),
    (["--alpha", "1"], "--alpha must be a finite number > 1"),
    (["--method", "backprop", "--betas", "0:4"], "--betas applies to --method anneal only"),
    (["--optimizer", "bfgs"], "--optimizer must be one of"),
    (["--out", "x.npz", "--plot", "x.npz"], "must be different files"),
])
def test_train_rejects_bad_arguments_before_any_work(argv, msg, capsys, tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["train", *SMALL, *argv])
    assert e.value.code == 2
    assert msg in capsys.readouterr().err
    assert not list(tmp_path.iterdir())            # nothing written
