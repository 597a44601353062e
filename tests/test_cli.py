import json
import subprocess
import sys

import numpy as np
import pytest

from dalearn import AnnealResult
from dalearn.cli import build_parser, main, settings_from_args
from dalearn.experiments import PRESETS
from dalearn import twin_from_settings


def test_cli_json_summary_and_files(tmp_path, capsys):
    out = tmp_path / "run.npz"
    main(["anneal", "--D", "8", "--L", "5", "--sigma", "0.4", "--N", "60", "--betas", "0:8",
          "--n-init", "3", "--seed", "1", "--out", str(out), "--json"])
    s = json.loads(capsys.readouterr().out)
    for key in ("final_actions", "rms_observed", "rms_unobserved", "params", "wall_s"):
        assert key in s
    assert len(s["final_actions"]) == 3
    r = AnnealResult.load(out)
    np.testing.assert_allclose(r.final_action, s["final_actions"])
    assert r.n_beta == 8 and r.action.shape == (8, 3)
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_table_lists_every_start(tmp_path, capsys):
    main(["anneal", "--model", "lorenz63", "--L", "2", "--N", "40", "--dt", "0.02",
          "--betas", "0:6", "--n-init", "2", "--sigma", "1.0", "--estimate", "rho",
          "--param-range", "rho=20:35", "--out", str(tmp_path / "l63.npz")])
    text = capsys.readouterr().out
    assert "rms unobs" in text and "rho" in text
    assert len([ln for ln in text.splitlines() if ln.strip().startswith(("0 ", "1 "))]) == 2


@pytest.mark.parametrize("argv,msg", [
    (["--L", "30"], "--L: L must be an integer in 1..20"),
    (["--alpha", "1"], "alpha must be a finite number > 1"),
    (["--sigma", "0"], "--sigma must be finite and > 0"),
    (["--rule", "leapfrog"], "invalid choice"),
    (["--betas", "a:b"], "--betas must be"),
    (["--Rf0", "nan"], "--Rf0 must be finite"),
    (["--observed", "0,0,1"], "must not repeat"),
    (["--N", "1"], "--N must be an integer >= 2"),
])
def test_cli_bad_flags_exit_2_with_a_message(argv, msg, capsys):
    with pytest.raises(SystemExit) as e:
        main(["anneal", "--out", "/nonexistent/x.npz"] + argv)
    assert e.value.code == 2
    assert msg in capsys.readouterr().err


def test_module_entry_point_help_documents_flags():
    out = subprocess.run([sys.executable, "-m", "dalearn", "anneal", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for flag in ("--D", "--L", "--observed", "--sigma", "--N", "--dt", "--rule", "--Rf0",
                 "--alpha", "--betas", "--n-init", "--seed", "--estimate", "--out", "--json",
                 "--workers", "--k"):
        assert flag in out


def _args(argv):
    from dalearn.cli import build_parser
    return build_parser().parse_args(["anneal"] + argv)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_value_of_a_preset_reaches_the_run(name):
    """The settings a preset run uses are the preset's, field by field (the old CLI merge
    dropped the preset's nu); flags given override exactly the fields they name."""
    preset = PRESETS[name]
    twin, schedule = settings_from_args(_args(["--preset", name]))
    assert twin == preset.twin and schedule == preset.anneal
    twin, schedule = settings_from_args(_args(["--preset", name, "--alpha", "3", "--N", "50"]))
    assert twin == preset.twin.with_(N=50) and schedule == preset.anneal.with_(alpha=3.0)
    problem, truth = twin_from_settings(twin)
    assert problem.N == 50 and tuple(problem.estimate) == tuple(preset.twin.estimate)
    for pname, value in preset.twin.params.items():
        assert truth.params[problem.param_names.index(pname)] == value


def test_preset_true_parameters_reach_the_twin_when_not_the_models_default(tmp_path, capsys):
    main(["anneal", "--preset", "lorenz96-L12", "--param", "nu=9.5", "--D", "6", "--L", "3",
          "--N", "20", "--betas", "0:3", "--n-init", "1", "--out", str(tmp_path / "r.npz"),
          "--json"])
    s = json.loads(capsys.readouterr().out)
    assert s["true_params"] == {"nu": 9.5}


def test_cli_reports_laplace_error_bars_for_estimated_parameters(tmp_path, capsys):
    argv = ["anneal", "--D", "10", "--L", "6", "--sigma", "0.5", "--N", "60", "--estimate",
            "nu", "--param-range", "nu=6:10", "--n-init", "2", "--out", str(tmp_path / "r.npz")]
    main(argv + ["--json"])
    s = json.loads(capsys.readouterr().out)
    from dalearn.uncertainty import laplace
    problem = twin_from_settings(settings_from_args(build_parser().parse_args(argv))[0]).problem
    r = AnnealResult.load(tmp_path / "r.npz")
    assert s["param_std"]["nu"] == pytest.approx(laplace(problem, r).param_std["nu"], rel=1e-9)
    assert abs(s["params"]["nu"][s["best"]] - s["true_params"]["nu"]) < 3 * s["param_std"]["nu"]
    main(argv)
    assert f"nu = {s['params']['nu'][s['best']]:.4f} ± {s['param_std']['nu']:.4f}" in \
        capsys.readouterr().out
    main(["anneal", "--D", "8", "--L", "5", "--N", "30", "--betas", "0:4", "--n-init", "1",
          "--out", str(tmp_path / "q.npz"), "--json"])
    assert json.loads(capsys.readouterr().out)["param_std"] is None


def test_workers_default_to_processes_only_for_many_starts(monkeypatch):
    """Without --workers: serial below AUTO_WORKERS_FROM starts, one process per CPU (at most
    one per start) from there on; a given --workers is kept (capped as before)."""
    import dalearn.cli._anneal as ca
    monkeypatch.setattr(ca.os, "cpu_count", lambda: 4)
    k = ca.AUTO_WORKERS_FROM
    assert k > 1
    assert ca._workers(_args(["--n-init", str(k - 1)]), k - 1) == 1
    assert ca._workers(_args(["--n-init", str(k)]), k) == min(4, k)
    assert ca._workers(_args(["--n-init", "100"]), 100) == 4
    assert ca._workers(_args(["--n-init", "100", "--workers", "1"]), 100) == 1
    assert ca._workers(_args(["--n-init", "100", "--workers", "3"]), 100) == 3


def test_the_memory_check_plans_the_sparse_hessian_at_large_D(monkeypatch):
    """D = 1000, N = 200: the dense band would need ~18 GiB and is refused; the sparse
    Hessian the run will use needs ~1.6 GB and passes (same plan as anneal's own check)."""
    from dalearn.cli._anneal_flags import check_run
    from dalearn.models import get_model
    from dalearn import AnnealSettings, TwinSettings
    monkeypatch.setattr("dalearn._checks.memory_limit", lambda: 8 * 2 ** 30)
    twin, schedule = TwinSettings(D=1000, L=500, N=200), AnnealSettings(n_init=1, betas=21)
    model = get_model("lorenz96", D=1000)
    check_run(twin, schedule, model)
    monkeypatch.setenv("DALEARN_SPARSE", "never")
    with pytest.raises(ValueError, match="--n-init: annealing would need about 1[78]"):
        check_run(twin, schedule, model)
