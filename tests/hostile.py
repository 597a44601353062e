"""Shared helpers of the hostile-input tests: run the CLI and read what it said."""
import pytest

from dalearn.cli import main

#: a small, fast run: every CLI case below adds or changes one flag of it
SMALL = ["--D", "5", "--N", "20", "--n-future", "5", "--n-init", "2", "--betas", "0:5"]


def refused(argv, capsys, code=2):
    """Run the CLI, expect exit ``code`` and return its one-line stderr."""
    with pytest.raises(SystemExit) as e:
        main(["anneal"] + argv)
    err = capsys.readouterr().err
    assert e.value.code == code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]
