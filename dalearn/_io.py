"""Files written safely: every output checked before any work, all outputs of a run written
as one transaction.

Rules (each a ValueError naming the flag or argument, raised before any work):

- an output file is a non-empty name in an existing, writable directory, and is either
  absent or a regular file (a device node, FIFO, socket or directory is never replaced);
- no output is an input of the same run, nor the same file as another output: compared by
  resolved path and by inode (hard links, ``./x/../``), and for folders one inside the other.

Writes (:func:`write_together`, :func:`atomic_write` for one file): every file goes to a
temporary file beside its target first; only when all are complete do they replace their
targets (``os.replace``, no space needed).  If any write fails (a full disk, a file-size
limit, Ctrl-C), every target is left as it was, and the computed files are saved in a rescue
folder (the system's temporary folder, else the home folder) that the error names.
"""
from __future__ import annotations

import gc
import os
import stat
import sys
import tempfile
import traceback
import time
from pathlib import Path

__all__ = ["check_output_path", "check_output_dir", "check_input_path", "check_distinct",
           "atomic_write", "write_together", "OutputError"]

#: bytes a temporary name adds to a target's name (".", ".", 8 random characters, ".tmp")
_TMP_EXTRA = 14


class OutputError(OSError):
    """Writing a run's outputs failed; the message says what is unchanged and where this
    run's files were saved instead."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory"), (stat.S_ISREG, "a file")):
        if test(mode):
            return name
    return "not a regular file"


def _name_max(parent: Path) -> int:
    try:
        return os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_output_path(name: str, path) -> Path:
    """``path`` as a Path if a file can be written there: a non-empty name in an existing
    directory where a file can be created, naming nothing or a regular file (not a device,
    FIFO, socket or directory).  Raises ValueError naming ``name`` otherwise.  Nothing is
    left behind."""
    if path is None or str(path).strip() == "":
        raise ValueError(f"{name} must be a file name, got {str(path)!r}")
    p = Path(path)
    if p.name in ("", ".", ".."):
        raise ValueError(f"{name} must name a file, got {str(path)!r}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"{name}: directory {str(parent)!r} does not exist")
    limit = _name_max(parent)
    if len(os.fsencode(p.name)) > limit - _TMP_EXTRA:
        raise ValueError(f"{name}: file name of {len(os.fsencode(p.name))} bytes is too long "
                         f"(at most {limit - _TMP_EXTRA} here)")
    st = _stat(name, p, path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{name} is a directory, not a file: {str(path)!r}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{name}: {str(path)!r} is {_kind(st.st_mode)}, not a regular file; "
                         f"an output must be a regular file or not exist")
    _check_writable(name, parent)
    if st is not None and not os.access(p, os.W_OK):
        raise ValueError(f"{name}: {str(path)!r} exists and is not writable")
    return p


def _check_writable(name: str, folder: Path) -> None:
    """A file can be made in ``folder`` (tried with a probe file), or one line naming ``name``."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".dalearn-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ValueError(f"{name}: cannot write in {str(folder)!r} ({e.strerror})") from None


def _stat(name: str, p: Path, path):
    """``os.stat(p)``, or None if nothing is there; any other error as one line naming
    ``name``."""
    try:
        return os.stat(p)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ValueError(f"{name}: {str(path)!r}: {e.strerror}") from None


def check_output_dir(name: str, path) -> Path:
    """``path`` as a Path if a folder can be written there: a non-empty name that is an
    existing writable folder or can be made (its parent exists and is writable)."""
    if path is None or str(path).strip() == "":
        raise ValueError(f"{name} must be a folder name, got {str(path)!r}")
    p = Path(path)
    st = _stat(name, p, path)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{name}: {str(path)!r} is {_kind(st.st_mode)}, not a folder")
    where = p if st is not None else (p.parent if str(p.parent) else Path("."))
    while not where.exists() and where != where.parent:   # made with its parents
        where = where.parent
    if not where.is_dir():
        raise ValueError(f"{name}: {str(where)!r} is not a directory")
    _check_writable(name, where)
    return p


def check_input_path(name: str, path, *, folder: bool = False) -> Path:
    """``path`` as a Path if it names an existing readable regular file (a folder if
    ``folder``); ValueError naming ``name`` otherwise."""
    if path is None or str(path).strip() == "":
        raise ValueError(f"{name} must be a {'folder' if folder else 'file'} name, "
                         f"got {str(path)!r}")
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ValueError(f"{name}: no such {'folder' if folder else 'file'}: "
                         f"{str(path)!r}") from None
    except OSError as e:
        raise ValueError(f"{name}: {str(path)!r}: {e.strerror}") from None
    ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    if not ok:
        raise ValueError(f"{name}: {str(path)!r} is {_kind(st.st_mode)}, not a "
                         f"{'folder' if folder else 'regular file'}")
    if not os.access(p, os.R_OK | (os.X_OK if folder else 0)):
        raise ValueError(f"{name}: {str(path)!r} is not readable (permission denied)")
    return p


def _resolved(path) -> Path:
    return Path(os.path.abspath(path)).resolve(strict=False)


def _inside(a: Path, b: Path) -> bool:
    """a is b or lies inside b (both resolved)."""
    return a == b or b in a.parents


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_distinct(outputs: dict, inputs: dict | None = None, *, folders=()) -> None:
    """Refuse an output that is an input or another output of the same run.

    ``outputs`` and ``inputs``: {flag: path} (None values skipped).  Two paths clash when
    they resolve to the same place, are the same file (same inode: hard links), or, where
    one of them is a folder (its flag in ``folders``, or an existing directory), one lies
    inside the other.  Raises ValueError naming both flags."""
    outs = [(f, p) for f, p in outputs.items() if p is not None and str(p).strip() != ""]
    ins = [(f, p) for f, p in (inputs or {}).items() if p is not None and str(p).strip() != ""]

    def clash(fa, a, fb, b) -> bool:
        ra, rb = _resolved(a), _resolved(b)
        if ra == rb or _same_file(a, b):
            return True
        a_dir = fa in folders or os.path.isdir(a)
        b_dir = fb in folders or os.path.isdir(b)
        return (b_dir and _inside(ra, rb)) or (a_dir and _inside(rb, ra))

    for i, (fo, o) in enumerate(outs):
        for fi, q in ins:
            if clash(fo, o, fi, q):
                raise ValueError(f"{fo} {str(o)!r} would overwrite the input {fi} {str(q)!r}; "
                                 f"an output must not be (or contain, or lie inside) an input")
        for fo2, o2 in outs[i + 1:]:
            if clash(fo, o, fo2, o2):
                raise ValueError(f"{fo} and {fo2} must be different files, got {str(o)!r} "
                                 f"and {str(o2)!r}")


def _tmp_for(p: Path):
    parent = p.parent if str(p.parent) else Path(".")
    return tempfile.mkstemp(dir=parent, prefix=f".{p.name[:64]}.", suffix=".tmp")


def _write_tmp(p: Path, write) -> str:
    """``write(fileobj)`` into a complete, synced temporary file beside ``p``; its name."""
    mode = p.stat().st_mode & 0o777 if p.is_file() else 0o666 & ~_umask()
    fd, tmp = _tmp_for(p)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _rescue(items) -> tuple[Path | None, str]:
    """Write every (path, write) into a new folder of the temporary or home folder: (the
    folder, '') or (None, why not)."""
    why = ""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for base in (tempfile.gettempdir(), os.path.expanduser("~")):
        try:
            folder = Path(tempfile.mkdtemp(prefix=f"dalearn-unsaved-{stamp}-", dir=base))
        except OSError as e:
            why = e.strerror or str(e)
            continue
        try:
            for p, write in items:
                with open(folder / Path(p).name, "wb") as f:
                    write(f)
            return folder, ""
        except Exception as e:     # noqa: BLE001 - any failure: try the next place
            why = getattr(e, "strerror", None) or str(e)
            for q in folder.iterdir():
                _unlink(q)
            try:
                folder.rmdir()
            except OSError:
                pass
    return None, why


def write_together(items, *, what: str = "this run's results") -> list[Path]:
    """Write every ``(path, write)`` of ``items`` as one transaction: each
    ``write(fileobj)`` fills a temporary file beside its path; only when all are complete
    do they replace their paths.  On failure no path changes, the temporary files are
    removed and, for an OSError (a full disk, ...), the files are saved in a rescue folder;
    an :class:`OutputError` says which path failed, why, and where the files are.  Ctrl-C
    leaves every path unchanged and is re-raised."""
    items = [(Path(p), w) for p, w in items]
    done: list[tuple[str, Path]] = []
    try:
        for p, write in items:
            done.append((_write_tmp(p, write), p))
    except OSError as e:
        _release(e)
        for tmp, _ in done:
            _unlink(tmp)
        failed = items[len(done)][0]
        hook, sys.unraisablehook = sys.unraisablehook, lambda *_: None
        try:                           # the rescue's own failed writes are freed quietly too
            folder, why = _rescue(items)
            gc.collect()
        finally:
            sys.unraisablehook = hook
        saved = (f"{what} were saved in {folder}" if folder is not None else
                 f"{what} could not be saved anywhere ({why})")
        raise OutputError(e.errno, f"cannot write {failed} ({e.strerror or e}); "
                                   f"earlier files are unchanged; {saved}") from None
    except BaseException:
        for tmp, _ in done:
            _unlink(tmp)
        raise
    for tmp, p in done:
        os.replace(tmp, p)
    return [p for p, _ in items]


def _release(e: BaseException) -> None:
    """Free the failed write's frames now, quietly: a half-written zip file left in them
    (numpy's savez) would otherwise print a second, confusing error when it is collected."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda *_: None
    try:
        seen = set()
        while e is not None and id(e) not in seen:      # the exception and its context
            seen.add(id(e))
            if e.__traceback__ is not None:
                traceback.clear_frames(e.__traceback__)
            e = e.__context__ or e.__cause__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def atomic_write(path, write) -> Path:
    """Call ``write(fileobj)`` on a temporary binary file beside ``path``, then replace
    ``path`` with it; on any failure the temporary file is removed and ``path`` untouched
    (an OSError is re-raised as it was)."""
    p = Path(path)
    tmp = _write_tmp(p, write)
    try:
        os.replace(tmp, p)
    except BaseException:
        _unlink(tmp)
        raise
    return p


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
