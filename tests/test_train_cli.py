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
    assert s["method"] == "anneal" and s["optimizer"] == "hybrid"     # feedforward default
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


# small overrides of the presets' twins, so a run takes a fraction of a second
TINY = ["--teacher-layers", "5", "--pairs", "4", "--test-pairs", "10", "--n-init", "1",
        "--betas", "0:4:2"]


def test_train_preset_gives_the_presets_values(tmp_path, capsys):
    from dalearn.experiments import NETWORK_PRESETS
    p = NETWORK_PRESETS["network-feedforward"]
    s = _run(capsys, ["--preset", "network-feedforward", *TINY, "--out", str(tmp_path / "f.npz")])
    r = AnnealResult.load(tmp_path / "f.npz")
    # not given: the preset's schedule, optimiser and its iteration cap, and student
    assert s["optimizer"] == p.anneal.method == "hybrid"
    assert r.settings["maxiter"] == p.anneal.maxiter == 40
    assert r.settings["Rf0"] == p.anneal.Rf0 and r.settings["alpha"] == p.anneal.alpha
    net = r.settings["problem"]["network"]
    assert (net["n_layers"], net["width"], net["shared"]) == (p.student.n_layers,
                                                             p.twin.width, False)
    # given: the flags (4 pairs, 1 start, betas 0 and 2)
    assert r.settings["problem"]["K"] == 4 and r.settings["n_init"] == 1
    assert r.final_action.shape == (1,) and r.n_beta == 2


def test_train_flags_override_the_preset(tmp_path, capsys):
    from dalearn.experiments import NETWORK_PRESETS
    p = NETWORK_PRESETS["group-network"]
    s = _run(capsys, ["--preset", "group-network", *TINY, "--student-layers", "3",
                      "--alpha", "3", "--Rf0", "0.5", "--optimizer", "newton",
                      "--out", str(tmp_path / "g.npz")])
    r = AnnealResult.load(tmp_path / "g.npz")
    assert s["optimizer"] == "newton" != p.anneal.method
    assert r.settings["alpha"] == 3.0 != p.anneal.alpha
    assert r.settings["Rf0"] == 0.5 != p.anneal.Rf0
    net = r.settings["problem"]["network"]
    assert net["n_layers"] == 3 != p.student.n_layers
    # what was not overridden stays the group's: plain sigmoid layers without biases,
    # 10 nodes, sigma = 0.005, the preset's ftol and starting range
    assert (net["width"], net["activation"], net["residual"], net["biases"]) == \
        (10, "sigmoid", False, False)
    assert r.settings["problem"]["Rm"] == pytest.approx(1 / 0.005 ** 2)
    assert r.settings["ftol"] == p.anneal.ftol and \
        tuple(r.settings["init_range"]) == p.anneal.init_range


def test_train_rejects_an_unknown_preset_naming_the_known_ones(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["train", "--preset", "network-nope"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--preset must be one of" in err and "'network-nope'" in err
    for name in ("network-feedforward", "network-recurrent", "group-network"):
        assert name in err
    assert not list(tmp_path.iterdir())
