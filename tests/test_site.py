"""The static site (``python -m dalearn site``): built once here through the command line,
then checked as files (every notebook has a page holding its figures; every widget panel
has a kernel-free version with a slider over more than one frame; nothing loads from a
network) and in a real browser (Chromium via Playwright from a localhost server: figures
and math render, a drag on each kernel-free slider changes the frame, no console errors).

Screenshots land in build/site-shots/ (one per page, one per kernel-free panel after the
drag).  The build executes every notebook a second time (nbval runs them too): about two
minutes on 2 cores with two kernels at once.
"""
import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

from dalearn import cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SITE = ROOT / "build" / "site"
SHOTS = ROOT / "build" / "site-shots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PANELS = r"\b(BetaScrubber|AnnealExplorer|ResultPicker|NetworkScrubber|FrameScrubber|LaplaceScrubber)\("


@pytest.fixture(scope="module")
def site():
    shutil.rmtree(SITE, ignore_errors=True)
    assert cli.main(["site", "--out", str(SITE), "--jobs", "2"]) == 0
    return json.loads((SITE / "site.json").read_text())


def _figures(page: str) -> dict:
    """{figure id: its JSON spec} of one built page."""
    return {m.group(1): json.loads(m.group(2).replace("<\\/", "</")) for m in re.finditer(
        r'<script id="(fig-\d+)-json" type="application/json">(.*?)</script>', page, re.S)}


def _source(nb: Path) -> tuple:
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return code, md


@pytest.mark.slow
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_a_page_holding_its_figures_and_kernel_free_panels(site, nb):
    page_file = SITE / f"{nb.stem}.html"
    assert page_file.exists(), f"no page for {nb.name}"
    page = page_file.read_text()
    code, md = _source(nb)
    figs = _figures(page)
    entry = next(p for p in site["pages"] if p["notebook"] == nb.name)
    assert len(figs) == page.count('class="dalearn-plotly"') >= 1
    assert len(figs) == entry["figures"] + len(entry["kernel_free"])
    for spec in figs.values():
        assert spec["data"], "a figure without traces"
    # one kernel-free version per widget panel the notebook shows, each with a real slider
    n_panels = len(re.findall(PANELS, code))
    assert len(entry["kernel_free"]) == n_panels == page.count('class="dalearn-kernel-free"')
    assert page.count('class="dalearn-first-frame"') == n_panels
    for kf in entry["kernel_free"]:
        spec = figs[kf["id"]]
        frames, steps = spec["frames"], spec["layout"]["sliders"][0]["steps"]
        assert len(frames) == len(steps) == kf["frames"] > 1
        assert all(len(f["data"]) == len(spec["data"]) for f in frames)
        assert [s["args"][0][0] for s in steps] == [f["name"] for f in frames]
        assert json.dumps(frames[0]["data"]) != json.dumps(frames[-1]["data"])
    assert "application/vnd.jupyter.widget-view+json" not in page
    # math is left for MathJax (bundled), exercises stay collapsed
    if "$" in md:
        assert "$" in page and 'src="assets/mathjax/MathJax.js' in page
    assert not re.search(r"<details[^>]*\bopen\b", page)
    # one fold per hint and per solution the exercises show
    shown = code.count("ex.hint()") + code.count("ex.solution()")
    assert page.count("<details") == md.count("<details") + shown
    assert page.count('class="dalearn-check"') == code.count("ex.check(answer)")


@pytest.mark.slow
def test_the_site_loads_nothing_from_a_network(site):
    assert site["needs_network"] == []
    for page_file in [SITE / "index.html"] + [SITE / f"{nb.stem}.html" for nb in NOTEBOOKS]:
        page = page_file.read_text()
        refs = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
        refs += re.findall(r'<link[^>]*\bhref="([^"]+)"', page)
        for ref in (r for r in refs if not r.startswith("data:")):
            assert not re.match(r"[a-z]+://|//", ref), f"{page_file.name} loads {ref}"
            assert (SITE / ref.split("?")[0]).exists(), f"{page_file.name}: missing {ref}"
    index = (SITE / "index.html").read_text()
    assert all(f'href=\'{nb.stem}.html\'' in index for nb in NOTEBOOKS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


_FIGURES_DRAWN = ("() => window.dalearnFigures && window.dalearnFigures.total > 0 && "
                  "window.dalearnFigures.drawn + window.dalearnFigures.failed.length === "
                  "window.dalearnFigures.total")
_MATH_DONE = ("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
              "!MathJax.Hub.queue.running && document.querySelectorAll('span.MathJax').length > 0")


def _slider_state(page, fig_id):
    return page.evaluate("""(id) => { const gd = document.getElementById(id);
        return {active: gd.layout.sliders[0].active,
                label: gd.querySelector('.slider-group > .slider-label').textContent,
                ys: JSON.stringify(gd._fullData.map(t => Array.from(t.y || []))),
                // every trace with data has a point inside its axis' current range
                inView: gd._fullData.every(t => {
                    if (!t.y || !t.y.length) return true;
                    const ax = gd._fullLayout['yaxis' + t.yaxis.slice(1)];
                    const lo = Math.min(...ax.range), hi = Math.max(...ax.range);
                    return Array.from(t.y).some(v => {
                        const w = ax.type === 'log' ? Math.log10(v) : v;
                        return w >= lo && w <= hi; }); })}; }""", fig_id)


@pytest.mark.slow
def test_site_in_a_real_browser_renders_and_kernel_free_sliders_move(site, server):
    assert Path(CHROMIUM).exists(), (
        f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
        "(.ci/run does this)")
    from playwright.sync_api import sync_playwright
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, dragged = [], 0
    # Two known MathJax 2 requests are let through: its HTML-CSS output probes a blank font at
    # about:blank, which Chromium refuses, and \mathcal asks for TeX's calligraphic web font,
    # which jupyter_server_mathjax does not ship (the glyph comes from a local font instead).
    # Every other failed request or console error fails the test.
    tolerated = ("about:blank", "/TeX/otf/MathJax_Script-Regular.otf")
    blank = ("about:blank", "Failed to load resource: net::ERR_FAILED",
             "Failed to load resource: the server responded with a status of 404")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for entry in site["pages"]:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                name = entry["page"]
                page.on("console", lambda m, n=name: problems.append(f"{n}: console "
                        f"{m.type}: {m.text}") if m.type == "error" and not any(
                            b in m.text for b in blank) else None)
                page.on("pageerror", lambda e, n=name: problems.append(f"{n}: {e}"))
                page.on("requestfailed", lambda r, n=name: problems.append(
                    f"{n}: failed to load {r.url}") if not r.url.endswith(tolerated) else None)
                page.on("response", lambda r, n=name: problems.append(
                    f"{n}: {r.status} for {r.url}") if r.status >= 400 and not
                    r.url.endswith(tolerated) else None)
                page.goto(f"{server}/{name}")
                page.wait_for_function(_FIGURES_DRAWN, timeout=60_000)
                state = page.evaluate("() => window.dalearnFigures")
                assert state["failed"] == [] and state["drawn"] == state["total"], state
                n_svg = page.evaluate("() => Array.from(document.querySelectorAll("
                                      "'div.dalearn-plotly')).filter(d => d.querySelector("
                                      "'.main-svg .scatterlayer .trace')).length")
                assert n_svg == state["total"], f"{name}: {n_svg} of {state['total']} drawn"
                page.wait_for_function(_MATH_DONE, timeout=60_000)
                assert page.locator(".MathJax_Error, span.MathJax .merror").count() == 0, \
                    f"{name}: a math error"
                raw = page.evaluate("() => Array.from(document.querySelectorAll("
                                    "'.jp-MarkdownOutput')).map(e => e.innerText).join(' ')")
                assert not re.search(r"\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$", raw), \
                    f"{name}: TeX left untypeset"
                page.screenshot(path=str(SHOTS / f"{Path(name).stem}.png"), full_page=True)
                for kf in entry["kernel_free"]:
                    fig = page.locator(f"#{kf['id']}")
                    fig.scroll_into_view_if_needed()
                    before = _slider_state(page, kf["id"])
                    rail = fig.locator(".slider-rail-rect").bounding_box()
                    grip = fig.locator(".slider-grip-rect").bounding_box()
                    x0, y0 = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
                    # towards the far end from where the slider starts
                    x1 = rail["x"] + (rail["width"] * 0.15 if x0 > rail["x"] + rail["width"] / 2
                                      else rail["width"] * 0.85)
                    page.mouse.move(x0, y0)
                    page.mouse.down()
                    for i in range(1, 11):
                        page.mouse.move(x0 + (x1 - x0) * i / 10, y0)
                        page.wait_for_timeout(20)
                    page.mouse.up()
                    page.wait_for_timeout(400)
                    after = _slider_state(page, kf["id"])
                    assert after["active"] != before["active"], (name, kf, before["active"])
                    assert after["label"] != before["label"], (name, kf)
                    assert after["ys"] != before["ys"], f"{name} {kf['id']}: the frame did not change"
                    assert before["inView"] and after["inView"], f"{name} {kf['id']}: data out of view"
                    fig.screenshot(path=str(SHOTS / f"{Path(name).stem}-{kf['id']}-dragged.png"))
                    dragged += 1
                page.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
    assert dragged == sum(len(e["kernel_free"]) for e in site["pages"]) >= 5
