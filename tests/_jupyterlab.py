"""A JupyterLab server for the browser tests: on a free localhost port, on copies of the
notebooks (so autosave cannot write outputs into the repository), with windowing and news
off and the kernels' widget backend forced."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "dalearn-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(folder: Path) -> None:
    # JupyterLab 4 renders notebooks windowed: cells scrolled out of view leave the DOM, so
    # an explorer can vanish while the notebook runs.  Turn windowing (and news) off.
    for ext, name, text in (("notebook-extension", "tracker", '{"windowingMode": "none"}'),
                            ("apputils-extension", "notification", '{"fetchNews": "false"}')):
        (folder / "@jupyterlab" / ext).mkdir(parents=True)
        (folder / "@jupyterlab" / ext / f"{name}.jupyterlab-settings").write_text(text)


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path) -> None:
    for _ in range(120):
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("JupyterLab did not start within 60 s")


@contextlib.contextmanager
def jupyterlab(notebooks: list, backend: str):
    """Yield (url, token, folder) of a running JupyterLab on copies of ``notebooks`` (file
    names in notebooks/), its kernels started with ``DALEARN_WIDGETS=backend``."""
    tmp = Path(tempfile.mkdtemp(prefix=f"dalearn-lab-{backend}-"))
    work = tmp / "course"
    work.mkdir()
    for nb in notebooks:
        shutil.copy(ROOT / "notebooks" / nb, work / nb)
    _settings(tmp / "settings")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), PYTHONUNBUFFERED="1",
               DALEARN_WIDGETS=backend)
    url = f"http://127.0.0.1:{free_port()}"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           f"--port={url.rsplit(':', 1)[1]}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.root_dir={work}", f"--IdentityProvider.token={TOKEN}",
           "--ServerApp.disable_check_xsrf=False", "--LabApp.news_url=",
           "--ContentsManager.allow_hidden=True"]
    with open(tmp / "lab.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            _wait_until_up(proc, url, tmp / "lab.log")
            yield url, TOKEN, work
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)
