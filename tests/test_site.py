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
import html
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

import dalearn as da
from dalearn import cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SITE = ROOT / "build" / "site"
SHOTS = ROOT / "build" / "site-shots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
#: every widget panel class (what the site finds panels by)
PANELS = r"\b(" + "|".join(n for n in da.widgets.__all__ if isinstance(getattr(da.widgets, n), type)
                          and issubclass(getattr(da.widgets, n), da.widgets.WidgetPanel)) + r")\("


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


def _folds(nb) -> int:
    n, last = 0, None
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"])
        ids = re.findall(r'exercise\("([0-9.]+)"', src)
        last = ids[-1] if ids else last
        if "ex.hint()" in src:
            n += src.count("ex.hint()") * len(da.exercise(last).hints)
        n += src.count("ex.solution()")
    return n


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
    # math is left for MathJax 3 (bundled), exercises stay collapsed
    if "$" in md:
        assert "$" in page and 'src="assets/mathjax/tex-chtml-full.js"' in page
    assert not re.search(r"<details[^>]*\bopen\b", page)
    # the folds the exercises show (besides the navigation's): ex.hint() shows every hint of
    # its exercise, each folded inside the one before; ex.solution() one fold
    shown = _folds(nb)
    body = re.sub(r"<nav\b.*?</nav>", "", page, flags=re.S)
    assert body.count("<details") == md.count("<details") + shown
    assert page.count('class="dalearn-check"') == code.count("ex.check(answer)")


#: the only addresses a page may link to (never load): the launch links and the repository
LAUNCH = ("https://mybinder.org/v2/gh/", "https://colab.research.google.com/github/",
          "https://github.com/")


@pytest.mark.slow
def test_the_site_loads_nothing_from_a_network(site):
    assert site["needs_network"] == []
    for page_file in [SITE / "index.html"] + [SITE / f"{nb.stem}.html" for nb in NOTEBOOKS]:
        page = page_file.read_text()
        refs = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
        refs += re.findall(r'<link[^>]*\bhref="([^"]+)"', page)
        refs += re.findall(r'<link[^>]*\bhref=\'([^\']+)\'', page)
        refs += re.findall(r'<(?:img|iframe|source|video|audio)[^>]*\bsrc="([^"]+)"', page)
        for ref in (r for r in refs if not r.startswith("data:")):
            assert not re.match(r"[a-z]+://|//", ref), f"{page_file.name} loads {ref}"
            assert (SITE / ref.split("?")[0]).exists(), f"{page_file.name}: missing {ref}"
        # no other address anywhere in the page's markup: only the launch links are external
        text = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
        text = re.sub(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+", "", text)
        for url in re.findall(r"""https?://[^\s"'<>)]+|(?<=["'(])//[^\s"'<>)]+""", text):
            assert url.startswith(LAUNCH), f"{page_file.name} names {url}"
    # nor in the stylesheets and scripts the pages load (fonts, imports)
    for css in (SITE / "assets").glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", css.read_text()), css.name
    index = (SITE / "index.html").read_text()
    assert all(f"href='{nb.stem}.html'" in index for nb in NOTEBOOKS)


def test_pages_have_navigation_links_alt_text_shared_css_and_light_math(site):
    from dalearn._links import binder_url, colab_url
    titles = [p["title"] for p in site["pages"]]
    for i, entry in enumerate(site["pages"]):
        page = (SITE / entry["page"]).read_text()
        nb = entry["notebook"]
        assert re.search(r'<html[^>]*\blang="en"', page)
        # one h1, and no heading level skipped (an outline tool reads the page in order)
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", page)]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
        # the course's contents, this page marked; previous / next; download and launch
        toc = re.search(r'<nav[^>]*aria-label="Course contents".*?</nav>', page, re.S).group(0)
        assert [html.unescape(t) for t in re.findall(r"<a [^>]*>(.*?)</a>", toc)] == titles
        assert re.search(rf'<a (?=[^>]*aria-current="page")[^>]*href="{entry["page"]}"', toc)
        pager = re.search(r'aria-label="Previous and next".*?</nav>', page, re.S).group(0)
        if i:
            assert f'href="{site["pages"][i - 1]["page"]}"' in pager
        if i + 1 < len(site["pages"]):
            assert f'href="{site["pages"][i + 1]["page"]}"' in pager
        assert re.search(rf'<a [^>]*href="notebooks/{nb}"', page)
        copy = json.loads((SITE / "notebooks" / nb).read_text())
        assert copy == json.loads((ROOT / "notebooks" / nb).read_text())
        assert html.escape(binder_url(nb)) in page and html.escape(colab_url(nb)) in page
        # every section is in the page's outline
        outline = re.search(r'aria-label="On this page".*?</nav>', page, re.S).group(0)
        assert outline.count("<li>") == len(entry["sections"]) >= 2
        # alt text that describes the figure: its panels' titles and axes, not a class name
        for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page):
            assert " against " in alt and not re.search(r"\b(Scrubber|Explorer|Picker)\b", alt), alt
        for label in re.findall(r'class="dalearn-plotly"[^>]*aria-label="([^"]*)"', page) + \
                re.findall(r'aria-label="([^"]*)"[^>]*class="dalearn-plotly"', page):
            assert " against " in label, label
        assert page.count('class="dalearn-plotly"') == page.count('role="img"')
        # the Lab CSS is shared, not inlined (only pygments' few lines stay in the page)
        assert 'href="assets/lab.css"' in page
        assert sum(len(c) for c in re.findall(r"<style.*?</style>", page, re.S)) < 20_000
    assert (SITE / "assets" / "lab.css").stat().st_size > 100_000
    # MathJax 3, bundled: the combined component and its fonts, no MathJax 2 tree
    mj = SITE / "assets" / "mathjax"
    assert (mj / "tex-chtml-full.js").exists() and not (mj / "MathJax.js").exists()
    assert sum(f.stat().st_size for f in mj.rglob("*") if f.is_file()) < 2_500_000
    # the size site.json reports is the size of what was written (site.json itself aside)
    assert site["bytes"] == sum(f.stat().st_size for f in SITE.rglob("*") if f.is_file()
                                and f != SITE / "site.json")


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
#: MathJax 3 has started and typeset the page (its startup promise resolves after the first
#: typesetting pass); then at least one formula is on the page
_MATH_STARTED = "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
_MATH_DONE = ("() => MathJax.startup.promise.then(() => "
              "document.querySelectorAll('mjx-container').length)")


def _slider_state(page, fig_id):
    return page.evaluate("""(id) => { const gd = document.getElementById(id);
        return {active: gd.layout.sliders[0].active,
                label: gd.querySelector('.slider-group > .slider-label').textContent,
                ys: JSON.stringify(gd._fullData.map(t => Array.from(t.y || []))),
                // every trace with data has a point inside its axis' current range
                inView: gd._fullData.every(t => {
                    // a trace with no finite point (e.g. a contour level absent at this
                    // frame) has nothing to show
                    if (!t.y || !Array.from(t.y).some(v => Number.isFinite(v))) return true;
                    const ax = gd._fullLayout['yaxis' + t.yaxis.slice(1)];
                    const lo = Math.min(...ax.range), hi = Math.max(...ax.range);
                    return Array.from(t.y).filter(v => Number.isFinite(v)).some(v => {
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
    # Every failed request or console error fails the test.
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for entry in site["pages"]:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                name = entry["page"]
                page.on("console", lambda m, n=name: problems.append(f"{n}: console "
                        f"{m.type}: {m.text}") if m.type == "error" else None)
                page.on("pageerror", lambda e, n=name: problems.append(f"{n}: {e}"))
                page.on("requestfailed", lambda r, n=name: problems.append(
                    f"{n}: failed to load {r.url}"))
                page.on("response", lambda r, n=name: problems.append(
                    f"{n}: {r.status} for {r.url}") if r.status >= 400 else None)
                page.goto(f"{server}/{name}")
                page.wait_for_function(_FIGURES_DRAWN, timeout=60_000)
                state = page.evaluate("() => window.dalearnFigures")
                assert state["failed"] == [] and state["drawn"] == state["total"], state
                n_svg = page.evaluate("() => Array.from(document.querySelectorAll("
                                      "'div.dalearn-plotly')).filter(d => d.querySelector("
                                      "'.main-svg .scatterlayer .trace')).length")
                assert n_svg == state["total"], f"{name}: {n_svg} of {state['total']} drawn"
                page.wait_for_function(_MATH_STARTED, timeout=60_000)
                assert page.evaluate(_MATH_DONE) > 0, f"{name}: no formula typeset"
                assert page.locator("mjx-merror").count() == 0, \
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
