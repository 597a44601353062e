"""Files written safely: output paths checked before any work, writes atomic.

A write goes to a temporary file in the target's directory and replaces the target only
when complete (``os.replace``), so a failed save (disk full, a file-size limit, Ctrl-C)
leaves the previous file as it was.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["check_output_path", "atomic_write"]


def check_output_path(name: str, path) -> Path:
    """``path`` as a Path if a file can be written there: a non-empty name that is not a
    directory, in an existing directory where a file can be created.  Raises ValueError
    naming ``name`` otherwise.  Nothing is left behind."""
    if path is None or str(path).strip() == "":
        raise ValueError(f"{name} must be a file name, got {str(path)!r}")
    p = Path(path)
    if p.name in ("", ".", ".."):
        raise ValueError(f"{name} must name a file, got {str(path)!r}")
    if p.is_dir():
        raise ValueError(f"{name} is a directory, not a file: {str(path)!r}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"{name}: directory {str(parent)!r} does not exist")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".dalearn-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ValueError(f"{name}: cannot write in {str(parent)!r} ({e.strerror})") from None
    if p.exists() and not os.access(p, os.W_OK):
        raise ValueError(f"{name}: {str(path)!r} exists and is not writable")
    return p


def atomic_write(path, write) -> Path:
    """Call ``write(fileobj)`` on a temporary binary file beside ``path``, then replace
    ``path`` with it; on any failure the temporary file is removed and ``path`` untouched."""
    p = Path(path)
    mode = p.stat().st_mode & 0o777 if p.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return p


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
