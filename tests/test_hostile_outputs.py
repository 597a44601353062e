"""Outputs: nothing lost, nothing written under a wrong name, strict JSON."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import dalearn as da
from dalearn.cli import main
from hostile import SMALL, refused


def strict_json(text):
    def bad(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=bad)


def test_json_is_strict_when_every_component_is_observed(tmp_path, capsys):
    main(["anneal"] + SMALL + ["--out", str(tmp_path / "r.npz"), "--json"])
    s = strict_json(capsys.readouterr().out)
    assert s["rms_unobserved"] == [None, None]          # undefined, not NaN
    assert all(isinstance(v, float) for v in s["rms_observed"])


def test_the_exact_paths_are_written_and_reported(tmp_path, capsys):
    main(["anneal"] + SMALL + ["--out", str(tmp_path / "result.dat"), "--json"])
    s = strict_json(capsys.readouterr().out)
    assert s["out"] == str(tmp_path / "result.dat") and s["plot"] == str(tmp_path / "result.dat.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.dat", "result.dat.png"]
    assert da.AnnealResult.load(tmp_path / "result.dat").n_init == 2


@pytest.mark.parametrize("where,msg", [("missing/r.npz", "does not exist"),
                                       ("adir", "is a directory"), ("", "must be a file name")])
def test_bad_output_places_are_refused_before_work(tmp_path, capsys, monkeypatch, where, msg):
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    assert msg in refused(SMALL + ["--out", where], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]   # nothing left behind


def test_a_read_only_filesystem_is_refused_before_work(capsys):
    assert "cannot write" in refused(SMALL + ["--out", "/proc/r.npz"], capsys)


def test_a_save_that_fails_midway_keeps_the_previous_file(tmp_path):
    """ulimit -f: the process may write only a few blocks; the save fails, the good result
    written before survives byte for byte (the write goes to a temporary file first)."""
    out = tmp_path / "r.npz"
    main(["anneal"] + SMALL + ["--out", str(out)])
    before = out.read_bytes()
    png_before = out.with_suffix(".png").read_bytes()
    code = ("import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "from dalearn.cli import main\n"
            f"main(['anneal', '--D', '20', '--N', '400', '--n-init', '3', '--betas', '0:3', "
            f"'--out', {str(out)!r}])\n")
    p = subprocess.run(["bash", "-c", f"ulimit -f 8; {sys.executable} -c \"$0\"", code],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode != 0
    assert out.read_bytes() == before and out.with_suffix(".png").read_bytes() == png_before
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []


def test_save_keeps_the_file_mode_of_the_file_it_replaces(tmp_path):
    problem, _ = da.lorenz96_twin(D=5, N=12, seed=0)
    r = da.anneal(problem, betas=2, n_init=1)
    f = tmp_path / "r.npz"
    f.write_bytes(b"old")
    os.chmod(f, 0o640)
    assert r.save(f) == f
    assert (f.stat().st_mode & 0o777) == 0o640
    np.testing.assert_array_equal(da.AnnealResult.load(f).action, r.action)
