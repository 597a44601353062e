"""Your own measurements from files: CSV/npy round trips, windows, malformed files with
one-line errors naming file and line, and the CLI reading back a twin's files."""
import json

import numpy as np
import pytest

import dalearn as da
from dalearn import AnnealResult
from dalearn.cli import main
from dalearn.problem import (problem_from_files, read_data, read_drive, read_truth,
                               write_csv)


def test_csv_round_trip_is_exact_with_missing_values(tmp_path):
    rng = np.random.default_rng(0)
    t = 0.5 + 0.025 * np.arange(30)
    y = rng.normal(0, 3, (3, 30))
    y[1, 4] = np.nan
    y[2, 7:9] = np.nan
    write_csv(tmp_path / "d.csv", t, y, ["t", "a", "b", "c"])
    text = (tmp_path / "d.csv").read_text().splitlines()
    assert text[0] == "t,a,b,c" and text[5].split(",")[2] == ""      # empty = not measured
    t0, dt, back = read_data(tmp_path / "d.csv", 3)
    assert t0 == 0.5 and dt == pytest.approx(0.025, rel=1e-12)
    np.testing.assert_array_equal(back, y)                          # NaN where NaN
    # no header, 'nan' spelled out, comments: the same
    lines = ["# my recording"] + [",".join(["%.17g" % t[j]] + ["nan" if np.isnan(v) else
                                                                "%.17g" % v for v in y[:, j]])
                                  for j in range(30)]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(read_data(tmp_path / "e.csv", 3)[2], y)


def test_npy_round_trip_and_windows(tmp_path):
    t = 0.01 * np.arange(50)
    y = np.sin(t)[None] * np.arange(1, 3)[:, None]
    np.save(tmp_path / "d.npy", np.column_stack([t, y.T]))
    t0, dt, back = read_data(tmp_path / "d.npy", 2)
    np.testing.assert_array_equal(back, y)
    assert read_data(tmp_path / "d.npy", 2, first=10)[2].shape == (2, 10)
    assert read_data(tmp_path / "d.npy", 2, t_max=0.2)[2].shape == (2, 21)
    t_, x = read_truth(tmp_path / "d.npy", 2, first=5)
    np.testing.assert_array_equal(x, y[:, :5])


@pytest.mark.parametrize("text,line,what", [
    ("t,x\n0,1\n0.1,2\n0.25,3\n", 4, "uniform step"),
    ("t,x\n0,1\n0.1,2,5\n0.2,3\n", 3, "expected 2 columns"),
    ("t,x\n0,1\n0.1,abc\n0.2,3\n", 3, "'abc' is not a number"),
    ("0,1\n0.1,2\n0.1,3\n", 3, "uniform step"),
    ("t,x\n0,1\n0.1,inf\n", 3, "inf is not a measurement"),
    ("t,x\n0,1\nnan,2\n", 3, "time (first column)"),
    ("t,x\n0.2,1\n0.1,2\n", 3, "times must increase"),
])
def test_malformed_data_files_name_file_and_line(tmp_path, text, line, what):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(ValueError) as e:
        read_data(f, 1)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{f}: line {line}: ") and what in msg, msg


def test_missing_empty_and_wrong_kind_files(tmp_path):
    with pytest.raises(ValueError, match=r"nope.csv: no such data file"):
        read_data(tmp_path / "nope.csv", 1)
    (tmp_path / "h.csv").write_text("t,x\n")
    with pytest.raises(ValueError, match="no rows of numbers"):
        read_data(tmp_path / "h.csv", 1)
    np.save(tmp_path / "a.npy", np.zeros(5))
    with pytest.raises(ValueError, match="2-D array"):
        read_data(tmp_path / "a.npy", 1)
    (tmp_path / "n.csv").write_text("0,nan\n0.1,nan\n")
    with pytest.raises(ValueError, match="every measurement is missing"):
        read_data(tmp_path / "n.csv", 1)
    (tmp_path / "d.csv").write_text("0,1\n0.1,\n")
    with pytest.raises(ValueError, match=r"d.csv: line 2: a drive must have every value"):
        read_drive(tmp_path / "d.csv", 1)


def _nakl_twin(N=200):
    drive = da.chaotic_current(N * 0.02 + 1.0, amplitude=10, offset=5, time_scale=0.2, seed=0)
    return da.twin_experiment(da.NaKL(), N=N, dt=0.02, sigma=1.0, observed=[0], seed=0,
                              drive=drive, rule="hermite-simpson", estimate=("gNa", "gK"),
                              n_future=0, substeps=5)


def test_problem_from_files_is_the_in_memory_problem(tmp_path):
    pb, truth = _nakl_twin()
    write_csv(tmp_path / "v.csv", pb.t_data, pb.data, ["t", "V"])
    write_csv(tmp_path / "i.csv", da.models.half_grid(pb.t0, pb.h, pb.M), pb.u.T, ["t", "I"])
    fp = problem_from_files(da.NaKL(), tmp_path / "v.csv", [0], sigma=1.0,
                            drive=tmp_path / "i.csv", rule="hermite-simpson",
                            estimate=("gNa", "gK"))
    np.testing.assert_array_equal(fp.data, pb.data)
    np.testing.assert_allclose(fp.u, pb.u, rtol=1e-13, atol=1e-13)
    assert fp.dt == pytest.approx(pb.dt, rel=1e-13) and fp.M == pb.M
    a = da.anneal(pb, betas=[0, 8, 16], Rf0=[1e-8, 1e-4, 1e-4, 1e-4], n_init=2, seed=0)
    b = da.anneal(fp, betas=[0, 8, 16], Rf0=[1e-8, 1e-4, 1e-4, 1e-4], n_init=2, seed=0)
    np.testing.assert_allclose(b.action, a.action, rtol=1e-7)
    np.testing.assert_allclose(b.params, a.params, rtol=1e-7)
    # a drive file too short for the window names the file
    write_csv(tmp_path / "short.csv", [0.0, 1.0], [[1.0, 2.0]], ["t", "I"])
    with pytest.raises(ValueError, match="short.csv is known on"):
        problem_from_files(da.NaKL(), tmp_path / "v.csv", [0], sigma=1.0,
                           drive=tmp_path / "short.csv")


def _cli_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_twin_files_read_back_give_the_in_memory_result(tmp_path, capsys):
    twin = ["--model", "nakl", "--observed", "0", "--sigma", "1", "--dt", "0.02",
            "--N", "300", "--rule", "hermite-simpson", "--seed", "3"]
    files = {k: str(tmp_path / f"{k}.csv") for k in ("v", "i", "truth")}
    made = _cli_json(capsys, ["twin", *twin, "--n-future", "0", "--out-data", files["v"],
                              "--out-drive", files["i"], "--out-truth", files["truth"]])
    assert made["N"] == 300 and made["out_drive"] == files["i"]
    schedule = ["--estimate", "gNa", "gK", "gL", "--Rf0", "1e-8,1e-4,1e-4,1e-4",
                "--betas", "0:21:5", "--n-init", "2"]
    mem = _cli_json(capsys, ["anneal", *twin, "--n-future", "0", *schedule,
                             "--out", str(tmp_path / "mem.npz")])
    common = ["--model", "nakl", "--observed", "0", "--sigma", "1", "--rule",
              "hermite-simpson", "--seed", "3"]
    fil = _cli_json(capsys, ["anneal", *common, *schedule, "--data", files["v"],
                             "--drive", files["i"], "--truth", files["truth"],
                             "--out", str(tmp_path / "file.npz")])
    for key in ("final_actions", "rms_observed", "rms_unobserved"):
        np.testing.assert_allclose(fil[key], mem[key], rtol=1e-7)
    for name in ("gNa", "gK", "gL"):
        np.testing.assert_allclose(fil["params"][name], mem["params"][name], rtol=1e-7)
    assert fil["true_params"]["gNa"] == 120.0
    # per-component R_f0 reached the run: R_f(beta) = R_f0 alpha^beta per component
    r = AnnealResult.load(tmp_path / "file.npz")
    np.testing.assert_allclose(r.Rf[0], [1e-8, 1e-4, 1e-4, 1e-4])
    np.testing.assert_allclose(r.Rf[-1] / r.Rf[0], 2.0 ** 20)
    # without --truth: no truth-based errors in the summary
    bare = _cli_json(capsys, ["anneal", *common, *schedule, "--data", files["v"],
                              "--drive", files["i"], "--first", "150",
                              "--out", str(tmp_path / "bare.npz")])
    assert bare["rms_unobserved"] == [None, None] and bare["true_params"] is None


def test_cli_lorenz96_from_a_file_with_gaps(tmp_path, capsys):
    tw = da.lorenz96_twin(D=10, observed=[0, 2, 4, 6, 8, 9], N=80, seed=1)
    data = tw.problem.data.copy()
    data[:, 5:9] = np.nan
    write_csv(tmp_path / "m.csv", tw.problem.t_data, data, ["t"] + ["x"] * 6)
    write_csv(tmp_path / "truth.csv", tw.problem.t_data, tw.truth.x, ["t"] + ["x"] * 10)
    s = _cli_json(capsys, ["anneal", "--model", "lorenz96", "--D", "10", "--observed",
                           "0,2,4,6,8,9", "--data", str(tmp_path / "m.csv"), "--truth",
                           str(tmp_path / "truth.csv"), "--betas", "0:15", "--n-init", "2",
                           "--out", str(tmp_path / "r.npz")])
    assert max(s["rms_unobserved"]) < 0.3                       # sigma = 0.4


@pytest.mark.parametrize("argv,msg", [
    (["--data", "X/none.csv"], "--data: no such file"),
    (["--data", "D.csv", "--N", "50"], "--N: twin-experiment flags"),
    (["--truth", "D.csv"], "--truth needs --data"),
    (["--data", "D.csv", "--observed", "0,1"], "D.csv: line 2: expected 3 columns"),
    (["--data", "D.csv", "--model", "nakl", "--observed", "0"], "--drive: model 'nakl'"),
    (["--data", "D.csv", "--drive", "D.csv"], "--drive given, but model 'lorenz96'"),
    (["--data", "D.csv", "--first", "1"], "--first must be an integer >= 2"),
])
def test_cli_file_errors_are_one_line_before_any_work(tmp_path, capsys, argv, msg):
    (tmp_path / "D.csv").write_text("t,x\n0,1\n0.1,2\n0.2,3\n")
    argv = [a.replace("D.csv", str(tmp_path / "D.csv")).replace("X/", str(tmp_path) + "/")
            for a in argv]
    with pytest.raises(SystemExit) as e:
        main(["anneal", *argv, "--observed", "0"] if "--observed" not in argv else
             ["anneal", *argv])
    err = capsys.readouterr().err
    assert e.value.code == 2 and msg in err and err.count("\n") == 1, err
    assert not (tmp_path / "run.npz").exists()


def test_iris_from_plotly_with_the_standard_library():
    from dalearn.network import load_iris, split_stratified
    X, y, species = load_iris()
    assert X.shape == (150, 4) and species == ("setosa", "versicolor", "virginica")
    assert np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(X[0], [5.1, 3.5, 1.4, 0.2])          # Fisher's first flower
    assert y[0] == 0 and y[-1] == 2
    # petal length separates setosa from the others completely
    assert X[y == 0, 2].max() < X[y != 0, 2].min()
    train, test = split_stratified(y, 30, seed=0)
    assert len(train) == 90 and len(test) == 60 and not set(train) & set(test)
    assert np.bincount(y[train]).tolist() == [30, 30, 30]
