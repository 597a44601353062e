"""Hostile command lines: each is refused with exit code 2 and one line naming the flag,
before any work starts (the work functions are replaced by ones that fail if reached)."""
import signal
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dalearn.cli as cli
import dalearn.cli._anneal as cli_main   # the module whose names a run looks up
from hostile import SMALL, refused


@pytest.fixture
def no_work(monkeypatch, tmp_path):
    """Any attempt to build the twin or anneal fails the test: refusals come first."""
    def boom(*a, **k):
        raise AssertionError("work started before the input was refused")
    monkeypatch.setattr(cli_main, "twin_from_settings", boom)
    monkeypatch.setattr(cli_main, "anneal", boom)
    monkeypatch.chdir(tmp_path)


CASES = [
    (["--L", "2", "--observed", "0,1"], "either --L"),                     # conflicting flags
    (["--betas", "0:21:0"], "--betas"),
    (["--betas", "0:21:-1"], "step > 0"),
    (["--betas", "0:1e9"], "at most 10000"),
    (["--betas", "5,3,4"], "increase"),
    (["--betas", "0,nan"], "finite"),
    (["--alpha", "1e308"], "--alpha"),
    (["--betas", "0:1100"], "overflows"),
    (["--alpha", "1"], "--alpha must be a finite number > 1"),
    (["--alpha", "nan"], "--alpha"),
    (["--sigma", "1e-300"], "--sigma"),
    (["--sigma", "-1"], "--sigma must be finite and > 0"),
    (["--sigma", "inf"], "--sigma"),
    (["--param-range", "nu=-inf:inf", "--estimate", "nu"], "--param-range nu"),
    (["--param-range", "nu=-1e308:1e308", "--estimate", "nu"], "finite width"),
    (["--param-range", "nu=10:6", "--estimate", "nu"], "low < high"),
    (["--param-range", "nu=6:10"], "not estimated"),
    (["--param-range", "nu"], "NAME=LOW:HIGH"),
    (["--seed", "-1"], "--seed must be an integer >= 0"),
    (["--seed", "1.5"], "invalid int value"),
    (["--seed", "abc"], "invalid int value"),
    (["--N", "1"], "--N must be an integer >= 2"),
    (["--N", "2000000"], "RK4 steps"),
    (["--D", "1000000"], "GiB"),
    (["--D", "300000"], "GiB"),     # beyond even the sparse Hessian's plan (N = 20)
    (["--D", "3"], "--D"),
    (["--n-future", "1000000000"], "the limit is"),
    (["--n-future", "1e9"], "invalid int value"),
    (["--n-init", "10000000"], "GiB"),
    (["--n-init", "0"], "--n-init must be an integer >= 1"),
    (["--k", "0"], "--k must be an integer >= 1"),
    (["--maxiter", "0"], "--maxiter must be an integer >= 1"),
    (["--maxiter", "-5"], "--maxiter must be an integer >= 1"),
    (["--ftol", "-1"], "--ftol must be finite and > 0"),
    (["--ftol", "nan"], "--ftol"),
    (["--dt", "0"], "--dt must be finite and > 0"),
    (["--Rf0", "0"], "--Rf0 must be finite and > 0"),
    (["--Rf0", "1,2"], "--Rf0 takes one number or D=5"),
    (["--rule", "leapfrog"], "invalid choice"),
    (["--model", "lorenz63", "--D", "5"], "--D must be 3 for lorenz63"),
    (["--estimate", "F"], "not parameters of lorenz96"),
    (["--param", "F=3"], "not parameters of lorenz96"),
    (["--param", "nu=nan"], "--param nu"),
    (["--observed", "0,0,1"], "must not repeat"),
    (["--observed", "0,7"], "indices must be in 0..4"),
    (["--observed", "a"], "--observed must be comma-separated integers"),
    (["--L", "9"], "--L: L must be an integer in 1..5"),
    (["--init-range", "5:-5"], "--init-range"),
    (["--method", "newtonian"], "method must be one of"),
    (["--workers", "0"], "--workers must be an integer >= 1"),
    (["--preset", "nope"], "invalid choice"),
    (["--out", ""], "--out must be a file name"),
    (["--out", "missing/dir/r.npz"], "does not exist"),
    (["--out", "."], "--out"),
    (["--plot", "missing/p.png"], "--plot"),
    (["--out", "r.npz", "--plot", "r.npz"], "different files"),
]


@pytest.mark.parametrize("extra,msg", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_flag_is_refused_in_one_line_before_work(extra, msg, capsys, no_work):
    line = refused(SMALL + extra, capsys)
    assert msg in line, line


def test_method_and_workers_are_checked_after_settings_but_still_before_work(capsys, no_work):
    # --method is only known to be bad for this problem kind by anneal's own check; it runs
    # before any solve (anneal replaced by boom above would fail otherwise)
    assert "--workers" in refused(SMALL + ["--workers", "-3"], capsys)


def test_workers_beyond_starts_and_cpus_are_capped_with_a_note(tmp_path, capsys):
    cli.main(["anneal"] + SMALL + ["--workers", "300", "--out", str(tmp_path / "r.npz")])
    err = capsys.readouterr().err
    assert "--workers 300 capped at" in err and "2 starts" in err


@pytest.mark.impl
def test_help_states_each_default_once():
    anneal = cli.build_parser()._subparsers._group_actions[0].choices["anneal"]
    assert "(default: None)" not in anneal.format_help()
    for action in anneal._actions:
        assert (action.help or "").count("(default:") <= 1, action.help


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Python 3.10's ProcessPoolExecutor can "
                    "wait forever at exit on its queue feeder after Ctrl-C; python -m dalearn "
                    "leaves at once there (dalearn/__main__.py), a bare main() call does not")
def test_ctrl_c_prints_one_line_exits_130_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "r.npz"
    out.write_bytes(b"previous result")
    code = (
        "import signal, threading, os, sys\n"
        "import dalearn.cli as cli, dalearn.cli._anneal as cli_main\n"
        "real = cli_main.anneal\n"
        "def interrupted(*a, **k):   # Ctrl-C half a second into a long run\n"
        "    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "    return real(*a, **k)\n"
        "cli_main.anneal = interrupted\n"
        f"sys.exit(cli.main(['anneal', '--D', '20', '--N', '400', '--n-init', '4', "
        f"'--betas', '0:200', '--workers', '2', '--out', {str(out)!r}]))\n")
    # a terminal delivers SIGINT to a process that handles it; a test worker (pytest-xdist)
    # ignores SIGINT and a child would inherit that, so restore the default first
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert p.returncode == 130, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "interrupted" in p.stderr
    assert out.read_bytes() == b"previous result"
    left = subprocess.run(["pgrep", "-f", "multiprocessing.spawn|multiprocessing.forkserver"],
                          capture_output=True, text=True).stdout.split()
    assert not [pid for pid in left if int(pid) != p.pid]


FLAG_VALUES = st.sampled_from(["0", "1", "-1", "2.5", "nan", "inf", "-inf", "1e308", "",
                               "abc", "0:3", "0:3:0", "1,2", "nu=1:2", "0,0", "1e-300"])
FLAGS = st.sampled_from(["--D", "--L", "--N", "--dt", "--k", "--sigma", "--seed", "--betas",
                         "--Rf0", "--alpha", "--n-init", "--maxiter", "--ftol", "--observed",
                         "--param-range", "--init-range", "--n-future", "--workers"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(FLAGS, FLAG_VALUES), max_size=3))
def test_random_flag_vectors_give_a_result_or_one_clear_line(pairs, capsys, tmp_path):
    argv = ["anneal", "--D", "5", "--N", "12", "--n-future", "2", "--n-init", "1",
            "--betas", "0:2", "--out", str(tmp_path / "r.npz")]
    for flag, value in pairs:
        argv += [flag, value]
    try:
        assert cli.main(argv) == 0
        capsys.readouterr()
    except SystemExit as e:
        err = capsys.readouterr().err
        assert e.code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
