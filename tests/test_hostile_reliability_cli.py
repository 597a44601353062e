"""Reliability (issue 27), command line: the review's non-clear CLI cases, by class.

Each test names the case ids of shared/reviews/hostile-input-2026-12.md it covers; on the
code the review ran (3503e50) each was accepted (LOSS/SILENT), hung (HANG) or ended in a
traceback or a message not naming the flag (UNCLEAR)."""
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import dalearn as da
from dalearn.cli import main

SMALL = ["--D", "5", "--N", "20", "--n-future", "5", "--n-init", "2", "--betas", "0:5"]
ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run_main(argv, capsys, code):
    """main(argv): its exit code must be ``code``; returns (stdout, stderr)."""
    try:
        got = main(argv)
    except SystemExit as e:
        got = e.code
    out, err = capsys.readouterr()
    assert got == code, err
    assert "Traceback" not in err
    return out, err


def one_line(argv, capsys, code=2):
    _, err = run_main(argv, capsys, code)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def files(tmp_path, monkeypatch, capsys):
    """A data file d.csv (components 0, 2), its truth t.csv and an .npy copy, in tmp_path."""
    monkeypatch.chdir(tmp_path)
    main(["twin", "--D", "5", "--N", "20", "--observed", "0,2", "--out-data", "d.csv",
          "--out-truth", "t.csv"])
    np.save("d.npy", np.loadtxt("d.csv", delimiter=",", skiprows=1))
    Path("t.csv.png").write_bytes(Path("t.csv").read_bytes())
    capsys.readouterr()
    return tmp_path


DATA = ["--D", "5", "--observed", "0,2", "--n-init", "2", "--betas", "0:5"]


# ------------------------------------------------------------------------- LOSS (class 1)
@pytest.mark.parametrize("case,argv,flags,victim", [
    ("out-eq-data", ["--data", "d.csv", "--out", "d.csv"], ("--out", "--data"), "d.csv"),
    ("out-eq-data-npy", ["--data", "d.npy", "--out", "d.npy"], ("--out", "--data"), "d.npy"),
    ("plot-eq-data", ["--data", "d.csv", "--out", "o.npz", "--plot", "d.csv"],
     ("--plot", "--data"), "d.csv"),
    ("out-eq-truth", ["--data", "d.csv", "--truth", "t.csv", "--out", "t.csv"],
     ("--out", "--truth"), "t.csv"),
    ("plot-default-eq-truth", ["--data", "d.csv", "--truth", "t.csv.png", "--out", "t.csv"],
     ("--plot", "--truth"), "t.csv.png"),
    ("out-eq-data-relative", ["--data", "d.csv", "--out", "./sub/../d.csv"],
     ("--out", "--data"), "d.csv"),
])
def test_an_output_never_overwrites_an_input(files, capsys, case, argv, flags, victim):
    (files / "sub").mkdir()
    before = sha(victim)
    line = one_line(["anneal"] + DATA + argv, capsys)
    assert f"{flags[0]} " in line and f"the input {flags[1]}" in line
    assert sha(victim) == before


def _dev_null(path):
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device node needs root")
@pytest.mark.parametrize("case,argv,flag", [
    ("out-dev-null", ["anneal"] + SMALL + ["--out", "dev/null", "--plot", "p.png"], "--out"),
    ("plot-dev-null", ["anneal"] + SMALL + ["--out", "o.npz", "--plot", "dev/null"], "--plot"),
    ("twin-out-dev-null", ["twin", "--D", "5", "--N", "20", "--out-data", "dev/null"],
     "--out-data"),
    ("train-out-dev-null", ["train", "--width", "3", "--teacher-layers", "4",
                            "--student-layers", "2", "--pairs", "5", "--test-pairs", "5",
                            "--n-init", "1", "--betas", "0:3", "--out", "dev/null"], "--out"),
])
def test_a_device_node_is_never_replaced(tmp_path, monkeypatch, capsys, case, argv, flag):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dev").mkdir()
    _dev_null(tmp_path / "dev" / "null")
    line = one_line(argv, capsys)
    assert line.split("error: ")[1].startswith(flag) and "character device" in line
    assert stat.S_ISCHR(os.lstat(tmp_path / "dev" / "null").st_mode)


def test_a_fifo_is_never_replaced(tmp_path, monkeypatch, capsys):
    """out-fifo"""
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.npz")
    assert "FIFO" in one_line(["anneal"] + SMALL + ["--out", "pipe.npz"], capsys)
    assert stat.S_ISFIFO(os.lstat("pipe.npz").st_mode)


def _full_disk_run(tmp_path, argv, limit):
    """Run the CLI with a file-size limit (a full disk, as far as its writes go)."""
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
            "from dalearn.cli import main; sys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, env=ENV,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case,argv,olds,limit", [
    ("out-disk-almost-full", ["anneal"] + SMALL + ["--out", "out.npz"],
     ("out.npz", "out.png"), 16_000),
    ("out-disk-full", ["anneal"] + SMALL + ["--out", "out.npz"], ("out.npz", "out.png"), 100),
    ("twin-out-disk-half", ["twin", "--D", "5", "--N", "200", "--n-future", "5",
                            "--out-data", "d.csv", "--out-truth", "t.csv"],
     ("d.csv", "t.csv"), 12_000),
    ("train-out-disk-full", ["train", "--width", "3", "--teacher-layers", "4",
                             "--student-layers", "2", "--pairs", "5", "--test-pairs", "5",
                             "--n-init", "1", "--betas", "0:3", "--out", "out.npz"],
     ("out.npz", "out.png"), 100),
])
def test_a_failed_write_changes_no_earlier_file(tmp_path, case, argv, olds, limit):
    """Every file the run would write is replaced, or none is; one line, exit 1."""
    for name in olds:
        (tmp_path / name).write_bytes(b"OLD " + name.encode())
    r = _full_disk_run(tmp_path, argv, limit)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "earlier files are unchanged" in lines[0]
    for name in olds:
        assert (tmp_path / name).read_bytes() == b"OLD " + name.encode()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_long_output_name_is_refused_before_work(tmp_path, monkeypatch, capsys):
    """out-long-250, out-long-300: a traceback after (or before) the run"""
    monkeypatch.chdir(tmp_path)
    for n in (250, 300):
        assert "too long" in one_line(["anneal"] + SMALL + ["--out", "r" * n + ".npz"], capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case,argv", [
    ("course-out-eq-notebooks", ["--student-copy", "nbs", "--notebooks", "nbs"]),
    ("course-out-eq-notebooks-rel", ["--student-copy", "./x/../nbs/", "--notebooks", "nbs"]),
    ("course-out-above-notebooks", ["--student-copy", ".", "--notebooks", "nbs"]),
])
def test_learner_copies_never_replace_the_source_notebooks(tmp_path, monkeypatch, capsys,
                                                           case, argv):
    import shutil
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "notebooks", "nbs")
    (tmp_path / "x").mkdir()
    before = {p.name: sha(p) for p in Path("nbs").glob("*.ipynb")}
    line = one_line(["course"] + argv + ["--no-answers"], capsys)
    assert "--student-copy" in line and "the input --notebooks" in line
    assert {p.name: sha(p) for p in Path("nbs").glob("*.ipynb")} == before


def test_course_student_copy_empty_is_refused(tmp_path, monkeypatch, capsys):
    """course-out-empty-in-notebooks"""
    import shutil
    shutil.copytree(ROOT / "notebooks", tmp_path / "nbs")
    monkeypatch.chdir(tmp_path / "nbs")
    before = {p.name: sha(p) for p in Path(".").glob("*.ipynb")}
    assert "--student-copy" in one_line(["course", "--student-copy", "", "--notebooks", ".",
                                         "--no-answers"], capsys)
    assert {p.name: sha(p) for p in Path(".").glob("*.ipynb")} == before


# ------------------------------------------------------------ flags mean what they say (6)
def test_betas_count_form_is_a_count(tmp_path, monkeypatch, capsys):
    """cli-betas-count-form: --betas 21 ran the single beta 21"""
    monkeypatch.chdir(tmp_path)
    main(["anneal"] + SMALL[:-2] + ["--betas", "4", "--out", "b.npz", "--json"])
    capsys.readouterr()
    assert da.AnnealResult.load("b.npz").betas.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_every_betas_form_in_the_help_runs(tmp_path, monkeypatch, capsys):
    """The help's forms: a count, START:STOP[:STEP], a comma list."""
    from dalearn.cli._guard import BETAS_HELP, betas_arg
    assert "count N (0..N-1)" in BETAS_HELP
    assert betas_arg("3").tolist() == [0, 1, 2]
    assert betas_arg("0:6:2").tolist() == [0, 2, 4]
    assert betas_arg("0,1.5,4").tolist() == [0, 1.5, 4]
    with pytest.raises(SystemExit):
        main(["anneal", "--help"])
    assert "count N (0..N-1)" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("case,argv,flag", [
    ("cli-betas-overflow-count", ["--betas", "0:1e308:1e-300"], "--betas"),
    ("cli-betas-very-neg", ["--betas=-2000:-1995"], "--betas"),
    ("cli-sigma-huge", ["--sigma", "1e200"], "--sigma"),
    ("cli-dt-denormal", ["--dt", "1e-320"], "--dt"),
    ("cli-dt-big-50", ["--dt", "50"], "--dt"),
    ("cli-dt-huge", ["--dt", "1e300"], "--dt"),
    ("cli-param-big", ["--param", "nu=1e6"], "--param"),
    ("cli-param-huge", ["--param", "nu=1e300"], "--param"),
    ("cli-D-D-huge", ["--D", "1000000000"], "--D"),
])
def test_anneal_messages_name_the_flag_typed(tmp_path, monkeypatch, capsys, case, argv, flag):
    monkeypatch.chdir(tmp_path)
    base = [a for a in SMALL]
    line = one_line(["anneal"] + base + argv + ["--out", "o.npz"], capsys)
    assert flag in line.split("error: ")[1]
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.parametrize("case,argv,flag", [
    ("cli-twin-dt-huge", ["--dt", "50"], "--dt"),
    ("cli-twin-nu-big", ["--param", "nu=1e6"], "--param"),
])
def test_twin_messages_name_the_flag_typed(tmp_path, monkeypatch, capsys, case, argv, flag):
    monkeypatch.chdir(tmp_path)
    line = one_line(["twin", "--D", "5", "--N", "20", "--out-data", "d.csv"] + argv, capsys)
    assert flag in line.split("error: ")[1]


def test_twin_does_not_apply_the_annealing_memory_limit(tmp_path, monkeypatch, capsys):
    """cli-twin-big-N-anneal-memcheck: a 32 MB twin was refused as '15.2 GiB of annealing'"""
    import dalearn._checks as checks
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(checks, "memory_limit", lambda: 2 * 2 ** 20)   # 2 MiB for this test
    run_main(["twin", "--D", "5", "--N", "2000", "--out-data", "d.csv"], capsys, 0)
    assert Path("d.csv").read_text().count("\n") == 2001
    line = one_line(["anneal", "--D", "5", "--N", "2000", "--out", "o.npz"], capsys)
    assert "annealing would need" in line


def test_data_flags_are_named(tmp_path, monkeypatch, capsys):
    """data-empty-name ('.: not a file'), data-unreadable (a PermissionError traceback)"""
    monkeypatch.chdir(tmp_path)
    assert "--data" in one_line(["anneal"] + DATA + ["--data", ""], capsys)
    assert "/proc/self/mem: cannot read" in one_line(["anneal"] + DATA + ["--data", "/proc/self/mem"], capsys)


def test_plot_format_follows_its_name(tmp_path, monkeypatch, capsys):
    """plot-pdf-name: p.pdf held PNG bytes"""
    monkeypatch.chdir(tmp_path)
    run_main(["anneal"] + SMALL + ["--out", "a.npz", "--plot", "p.pdf"], capsys, 0)
    assert Path("p.pdf").read_bytes()[:4] == b"%PDF"
    assert ".png, .pdf, .svg" in one_line(["anneal"] + SMALL + ["--plot", "p.jpg"], capsys)


# ------------------------------------------------------------------- train (classes 2, 6)
TRAIN = ["train", "--width", "3", "--teacher-layers", "4", "--student-layers", "2",
         "--pairs", "5", "--test-pairs", "5", "--n-init", "1"]


@pytest.mark.parametrize("case,argv,flag", [
    ("train-student-huge", ["--student-layers", "10000000", "--betas", "0:2"],
     "--student-layers"),
    ("train-width-huge", ["--width", "100000", "--method", "backprop"], "--width"),
    ("train-teacher-huge", ["--teacher-layers", "100000000", "--method", "backprop"],
     "--teacher-layers"),
    ("train-pairs-huge", ["--pairs", "100000000", "--method", "backprop"], "--pairs"),
    ("train-sigma-huge", ["--sigma", "1e300", "--betas", "0:3"], "--sigma"),
    ("train-betas-rev", ["--betas", "5:1"], "--betas"),
    ("train-betas-overflow", ["--betas", "0:1e308:1e-300"], "--betas"),
])
def test_train_refuses_before_work_naming_the_flag(tmp_path, monkeypatch, capsys, case, argv,
                                                   flag):
    monkeypatch.chdir(tmp_path)
    t = time.perf_counter()
    line = one_line(TRAIN + argv + ["--out", "t.npz"], capsys)
    assert flag in line.split("error: ")[1]
    assert time.perf_counter() - t < 30 and not Path("t.npz").exists()


# ------------------------------------------------------------------- site and course (3)
def _notebook(path, source):
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": source,
                     "outputs": [], "execution_count": None}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(nb))


@pytest.mark.parametrize("case,argv,flag", [
    ("site-timeout-0", ["--timeout", "0", "--out", "site"], "timeout"),
    ("site-timeout-neg", ["--timeout=-5", "--out", "site"], "timeout"),
    ("site-out-empty", ["--out", ""], "--out"),
    ("site-out-file", ["--out", "f.txt"], "--out"),
    ("site-out-devnull", ["--out", "/dev/null"], "--out"),
])
def test_site_checks_its_flags_before_executing(tmp_path, monkeypatch, capsys, case, argv, flag):
    monkeypatch.chdir(tmp_path)
    _notebook(tmp_path / "nbs" / "01_a.ipynb", "raise SystemExit('must not run')")
    Path("f.txt").write_text("x")
    line = one_line(["site", "--notebooks", "nbs"] + argv, capsys)
    assert flag in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "nbs"]


@pytest.mark.slow   # executes notebooks and builds a site: the full run only
@pytest.mark.parametrize("case,source,argv,why", [
    ("site-nb-raises", "raise ValueError('boom in cell')", [], "ValueError: boom in cell"),
    ("site-nb-loop-timeout", "while True: pass", ["--timeout", "3"], "01_a.ipynb"),
    ("site-nb-exit", "import os; os._exit(1)", [], "01_a.ipynb"),
    ("site-nb-list-json", None, [], "01_a.ipynb"),
])
def test_a_failing_notebook_is_one_line_and_leaves_no_site(tmp_path, monkeypatch, capsys, case,
                                                           source, argv, why):
    monkeypatch.chdir(tmp_path)
    _notebook(tmp_path / "nbs" / "01_a.ipynb", source or "1")
    if source is None:
        (tmp_path / "nbs" / "01_a.ipynb").write_text("[1, 2]")
    line = one_line(["site", "--notebooks", "nbs", "--out", "site"] + argv, capsys)
    assert "01_a.ipynb" in line and why in line
    assert not Path("site").exists()


@pytest.mark.parametrize("case,content,why", [
    ("course-nb-list", b"[1, 2]", "a dict with a 'cells' list"),
    ("course-nb-cells-str", b'{"cells": ["a", "b"]}', "cell 0 is not a notebook cell"),
    ("course-nb-latin1", '{"cells": [], "x": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    ("course-nb-tags-str", json.dumps({"cells": [{"cell_type": "code", "metadata": {
        "tags": "solutions-are-not-here"}, "source": "1", "outputs": []}]}).encode(),
     "'tags' must be a list"),
])
def test_course_names_the_bad_notebook_and_writes_nothing(tmp_path, monkeypatch, capsys, case,
                                                          content, why):
    monkeypatch.chdir(tmp_path)
    _notebook(tmp_path / "nbs" / "00_good.ipynb", "1")
    (tmp_path / "nbs" / "01_a.ipynb").write_bytes(content)
    line = one_line(["course", "--student-copy", "l", "--notebooks", "nbs", "--no-answers"],
                    capsys)
    assert "01_a.ipynb" in line and why in line
    assert not Path("l").exists() or list(Path("l").iterdir()) == []


# -------------------------------------------------------------- signals and bounds (2, 3)
def _start(argv, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "dalearn", *argv], cwd=cwd, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            **kw)


def _children(pid):
    out = subprocess.run(["ps", "-eo", "pid,ppid"], capture_output=True, text=True).stdout
    return [int(a) for a, b in (line.split() for line in out.splitlines()[1:]) if int(b) == pid]


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_worker_outlives_its_parent(tmp_path, sig):
    """sig-kill-anneal-workers2, sig-term-anneal-workers2: the pool's workers were
    re-parented to PID 1 and never ended"""
    p = _start(["anneal", "--D", "20", "--N", "200", "--L", "8", "--n-init", "10",
                "--betas", "0:30", "--n-future", "5", "--workers", "2", "--out", "r.npz"],
               tmp_path)
    t0 = time.time()
    while time.time() - t0 < 60 and len(_children(p.pid)) < 2:
        time.sleep(0.2)
    kids = _children(p.pid)
    assert len(kids) >= 2, p.stderr.read() if p.poll() is not None else "no workers"
    time.sleep(1.0)
    p.send_signal(sig)
    p.wait(timeout=30)
    time.sleep(5.0)
    alive = [k for k in kids if _alive(k)]
    for k in alive:
        os.kill(k, signal.SIGKILL)
    assert alive == []
    assert not (tmp_path / "r.npz").exists()


def test_a_huge_n_init_shows_progress_and_keeps_finished_starts_on_ctrl_c(tmp_path):
    """cli-ninit-1e5-tiny-problem: > 120 s with no output, all work lost on Ctrl-C"""
    p = _start(["anneal"] + SMALL[:6] + ["--betas", "0:5", "--n-init", "100000",
                                         "--out", "out.npz"], tmp_path)
    import threading
    lines: list = []
    reader = threading.Thread(target=lambda: lines.extend(iter(p.stderr.readline, "")),
                              daemon=True)
    reader.start()
    t0 = time.time()
    while not any("solves done" in line for line in lines) and time.time() - t0 < 60:
        time.sleep(0.5)
    err = "".join(lines)
    assert "solves done" in err and "Ctrl-C" in err, err
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    reader.join(timeout=10)
    err = "".join(lines)
    assert p.returncode == 130 and "Traceback" not in err, err
    partial = da.AnnealResult.load(tmp_path / "out.partial.npz")
    assert partial.n_init >= 1 and "interrupted" in partial.settings
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize("case,argv,wait", [
    ("sig-int-train", TRAIN[:1] + ["--width", "5", "--teacher-layers", "20",
                                   "--student-layers", "6", "--pairs", "40", "--n-init", "50",
                                   "--out", "t.npz"], 6.0),
    ("sig-int-course", ["course", "--student-copy", "l", "--notebooks",
                        str(ROOT / "notebooks")], 6.0),
])
def test_ctrl_c_ends_train_and_course_with_130_and_one_line(tmp_path, case, argv, wait):
    p = _start(argv, tmp_path)
    time.sleep(wait)
    assert p.poll() is None, p.stderr.read()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.slow   # builds a site (nbconvert): the full run only, like tests/test_site.py
def test_ctrl_c_ends_site_promptly(tmp_path):
    """sig-int-site-parent: still running 60 s after SIGINT (a 300 s cell)"""
    _notebook(tmp_path / "nbs" / "01_a.ipynb", "import time; time.sleep(300)")
    p = _start(["site", "--notebooks", "nbs", "--out", "site"], tmp_path)
    time.sleep(12.0)
    assert p.poll() is None, p.stderr.read()
    p.send_signal(signal.SIGINT)
    t = time.time()
    _, err = p.communicate(timeout=30)
    assert time.time() - t < 15 and p.returncode == 130, err
    assert "Traceback" not in err, err
    assert not (tmp_path / "site").exists()
