"""End to end in a real browser: JupyterLab + headless Chromium, moving real sliders.

nbval proves the kernel side runs; this proves the widgets and plotly figures render and
respond in JupyterLab.  It fails (never skips) if Chromium, a widget or a figure is missing.
Screenshots go to build/browser/ (before.png, after_beta.png, after_L.png).
"""
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

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_precision_annealing.ipynb"
SHOTS = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server on a free localhost port, on a copy of the notebook."""
    tmp = Path(tempfile.mkdtemp(prefix="dalearn-lab-"))
    work = tmp / "course"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    port, token = _free_port(), "dalearn-test-token"
    # JupyterLab 4 renders notebooks windowed: cells scrolled out of view leave the DOM, so
    # the explorer can vanish while the notebook runs.  Turn windowing (and news) off.
    settings = tmp / "settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings") \
        .write_text('{"windowingMode": "none"}')
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings") \
        .write_text('{"fetchNews": "false"}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={work}",
           f"--IdentityProvider.token={token}", "--ServerApp.disable_check_xsrf=False",
           "--LabApp.news_url=", "--ContentsManager.allow_hidden=True"]
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {(tmp / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start within 60 s")
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _kernel_idle(url: str, token: str, timeout: float = 180.0) -> None:
    """Wait until the server reports the notebook's kernel as started and idle."""
    import json
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=2) as r:
                sessions = json.load(r)
            if sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions):
                return
        except OSError:
            pass
        time.sleep(1.0)
    raise AssertionError(f"the kernel did not become idle within {timeout} s")


def _slider(page, label: str):
    """The ipywidgets slider whose description is ``label``."""
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label)).last


def _drag(page, slider, dx: float):
    """Drag a slider's handle by dx pixels with mouse events."""
    slider.scroll_into_view_if_needed()
    box = slider.locator(".noUi-handle").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x + dx * i / 10, y)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_explorer_renders_and_responds_to_real_slider_moves(lab):
    assert Path(CHROMIUM).exists(), (
        f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
        "(.ci/run does this)")
    from playwright.sync_api import sync_playwright
    url, token = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            _kernel_idle(url, token)                         # a cold venv starts slowly
            ran = ("() => { const p = document.querySelector('.jp-CodeCell .jp-InputPrompt');"
                   " return p !== null && /\\[[0-9*]+\\]/.test(p.innerText); }")
            for _attempt in range(3):                        # a click before the kernel is
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()  # ready
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                try:                                         # can be lost: check it ran
                    page.wait_for_function(ran, timeout=30_000)
                    break
                except Exception:
                    page.keyboard.press("Escape")
            else:
                raise AssertionError("Run All Cells did not start executing the notebook")

            beta = _slider(page, "β")
            beta.wait_for(state="attached", timeout=240_000)    # the explorer rendered
            beta.scroll_into_view_if_needed()
            beta.wait_for(state="visible", timeout=30_000)
            panel = page.locator(".widget-vbox", has=beta).last
            panel.scroll_into_view_if_needed()
            info = panel.locator(".widget-html").filter(has_text="distinct level").first
            figure = panel.locator(".js-plotly-plot").first
            figure.wait_for(state="visible", timeout=60_000)
            page.wait_for_timeout(1500)
            readout0 = beta.locator(".widget-readout").inner_text()
            info0 = info.inner_text()
            fig0 = figure.screenshot()
            panel.screenshot(path=str(SHOTS / "before.png"))
            assert readout0 == "20" and "β = 20" in info0

            _drag(page, beta, -200)                         # scrub beta down
            page.wait_for_timeout(1500)
            readout1 = beta.locator(".widget-readout").inner_text()
            info1 = info.inner_text()
            panel.screenshot(path=str(SHOTS / "after_beta.png"))
            assert int(readout1) < 20, readout1
            assert f"β = {int(readout1)}," in info1 and info1 != info0
            assert figure.screenshot() != fig0               # the marker moved

            L = _slider(page, "L observed")
            L0 = L.locator(".widget-readout").inner_text()
            assert L0 == "12", L0
            status = page.locator(".widget-html").filter(has_text="starts ×").last
            status0 = status.inner_text()
            _drag(page, L, -60)                              # fewer observations: new solve
            page.wait_for_function(
                "([el, s]) => el.innerText !== s",
                arg=[status.element_handle(), status0], timeout=120_000)
            page.wait_for_timeout(1500)
            L1 = L.locator(".widget-readout").inner_text()
            info2 = info.inner_text()
            explorer = page.locator(".widget-vbox", has=L).first          # the whole explorer
            explorer.screenshot(path=str(SHOTS / "after_L.png"))
            assert int(L1) < int(L0)
            assert "β = 20," in info2 and info2 != info1     # new result shown at the last beta
            legend = panel.locator(".js-plotly-plot").first.locator(".legendtext").all_text_contents()
            assert "start 0" in legend, legend               # traces updated in place keep names
        except Exception:
            page.screenshot(path=str(SHOTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
