"""The matplotlib fallback in a real browser: JupyterLab + headless Chromium on notebook 01
with the backend forced to "mpl" (``DALEARN_WIDGETS=mpl``, as Colab and VS Code get it by
themselves), its β slider dragged with the mouse, twice; after each drag the panel's image
must change (and the info line follow), no plotly figure may be drawn in the panel, and the
browser console must stay free of errors.  Screenshots: build/browser/01_mpl_*.png."""
import time
from pathlib import Path

import pytest

from _jupyterlab import jupyterlab
from test_browser import CHROMIUM, FLAGS, SHOTS, _drag_to, _run_all, _settle, _slider

NOTEBOOK = "01_data_assimilation.ipynb"


@pytest.fixture(scope="module")
def mpl_lab():
    """JupyterLab on a copy of notebook 01, its kernels started with DALEARN_WIDGETS=mpl."""
    with jupyterlab([NOTEBOOK], "mpl") as (url, token, _):
        yield url, token


def _image(box) -> str:
    img = box.locator(".widget-output img").first
    img.wait_for(state="visible", timeout=60_000)
    return img.get_attribute("src")


def _image_changed(page, box, before: str, timeout: float = 90.0) -> str:
    t0 = time.time()
    while time.time() - t0 < timeout:
        now = _image(box)
        if now != before:
            return now
        page.wait_for_timeout(250)
    raise AssertionError("the panel's image did not change after the drag")


def test_mpl_fallback_sliders_move_and_images_change_in_a_real_browser(mpl_lab):
    assert Path(CHROMIUM).exists(), (
        f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
        "(.ci/run does this)")
    from playwright.sync_api import sync_playwright
    url, token = mpl_lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" or
                "Error setting state" in m.text else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            _run_all(page, url, token, NOTEBOOK)
            beta = _slider(page, "β")
            beta.wait_for(state="attached", timeout=60_000)
            beta.scroll_into_view_if_needed()
            box = page.locator(".widget-vbox", has=beta).last
            info = box.locator(".widget-html").filter(has_text="distinct level").first
            assert box.locator(".js-plotly-plot").count() == 0      # images, not FigureWidgets
            first = _image(box)
            assert first.startswith("data:image/png;base64,")
            assert beta.locator(".widget-readout").inner_text() == "20"
            _drag_to(page, beta, "0")
            second = _image_changed(page, box, first)
            assert "β = 0," in _settle(page, info)
            page.screenshot(path=str(SHOTS / "01_mpl_beta0.png"), full_page=False)
            _drag_to(page, beta, "10")
            third = _image_changed(page, box, second)
            assert "β = 10," in _settle(page, info)
            assert len({first, second, third}) == 3
            page.screenshot(path=str(SHOTS / "01_mpl_beta10.png"), full_page=False)
        except Exception:
            page.screenshot(path=str(SHOTS / "01_mpl_failure.png"), full_page=True)
            raise
        finally:
            page.close()
            browser.close()
    relevant = [e for e in errors if "favicon" not in e]
    assert not relevant, f"browser console errors: {relevant[:5]}"
