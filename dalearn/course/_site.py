"""The course as a static site: ``python -m dalearn site --out build/site``.

Executes every notebook (nbclient, the engine nbval and nbconvert use) and writes one HTML
page per notebook (nbconvert's lab template) plus an index.  Why nbconvert and not Jupyter
Book: both are needed anyway (nbclient runs the notebooks, nbconvert is installed with
JupyterLab), they give one page per notebook with Lab's look, and the one thing the site
needs beyond them -- a kernel-free form of every widget panel -- is ours to make either way;
Jupyter Book would add a Sphinx tool chain to every install for a table of contents.

Every figure is in the page:

- plotly figures are written as JSON and drawn by plotly.js copied from the installed
  ``plotly`` package (``assets/plotly.min.js``);
- a widget panel (dalearn.widgets) is executed with ``DALEARN_SITE=1``, under which it also
  displays its kernel-free form (a plotly figure with its own slider over precomputed frames,
  :func:`dalearn.plots.render_frames`) and its first frame as a PNG; the widget itself, which
  needs a kernel, is dropped;
- math is typeset by MathJax 2 copied from the installed ``jupyter_server_mathjax`` package
  (``assets/mathjax``).  Without that package the pages load MathJax from a CDN and say so
  (``needs_network`` in ``site.json``): the only part of the site that would need a network.

``site.json`` lists the pages, their figures and their kernel-free panels (with frame counts).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["build_site", "execute_notebook", "find_notebooks", "MATHJAX_CDN"]

MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js"
#: the one full configuration jupyter_server_mathjax ships (HTML-CSS output, STIX-Web fonts)
_MATHJAX_CONFIG = "?config=TeX-AMS-MML_HTMLorMML-full,Safe"
_PLOTLY_MIME = "application/vnd.plotly.v1+json"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

_TEMPLATE = r"""
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
  // the web font jupyter_server_mathjax ships (as Jupyter's classic notebook configures it)
  MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null,
                                   webFont: "STIX-Web", imageFont: null}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
{% block extra_css %}
<link rel="icon" href="data:,">
<script src="assets/plotly.min.js"></script>
<style>
  .dalearn-nav { font: 14px sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd; }
  .dalearn-kernel-free { border-left: 4px solid #1f77b4; padding: 4px 0 4px 10px; margin: 6px 0; }
  .dalearn-caption { font: 13px sans-serif; color: #444; margin: 4px 0; }
  .dalearn-first-frame img { max-width: 100%; }
  details { margin: 6px 0; padding: 4px 8px; border: 1px solid #ddd; border-radius: 4px; }
</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
<nav class="dalearn-nav">{{ resources.dalearn_nav }}</nav>
{%- endblock body_header -%}
{% block footer_js %}
<script src="assets/dalearn-site.js"></script>
{% endblock footer_js %}
"""

# Draws every figure from its JSON; a figure with frames gets them added, so its slider
# steps through them with no kernel.
_SITE_JS = r"""
(function () {
  var figs = document.querySelectorAll('div.dalearn-plotly');
  window.dalearnFigures = {total: figs.length, drawn: 0, failed: []};
  figs.forEach(function (div) {
    var spec = JSON.parse(document.getElementById(div.id + '-json').textContent);
    var config = {responsive: true, displaylogo: false};
    Plotly.newPlot(div, spec.data, spec.layout || {}, config).then(function () {
      return spec.frames ? Plotly.addFrames(div, spec.frames) : null;
    }).then(function () {
      window.dalearnFigures.drawn += 1;
    }, function (err) {
      window.dalearnFigures.failed.push(div.id + ': ' + err);
      console.error('dalearn figure ' + div.id + ' failed: ' + err);
    });
  });
})();
"""


def find_notebooks(where: str | os.PathLike | None = None) -> list:
    """The course notebooks (``NN_*.ipynb``) in ``where`` (default: the repository's
    ``notebooks/`` beside the package, else ``./notebooks``), in reading order."""
    if where is None:
        beside = Path(__file__).resolve().parents[1] / "notebooks"
        where = beside if beside.is_dir() else Path("notebooks")
    where = Path(where)
    if not where.is_dir():
        raise ValueError(f"notebooks must be a directory of .ipynb files, got {str(where)!r}")
    found = sorted(where.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise ValueError(f"no course notebooks (NN_name.ipynb) in {str(where)!r}")
    return found


def execute_notebook(path, timeout: int = 600):
    """Run one notebook in a fresh kernel with ``DALEARN_SITE=1`` (so widget panels also
    display their kernel-free form); returns the executed ``NotebookNode``."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    env = dict(os.environ, DALEARN_SITE="1")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            store_widget_state=False,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    _RUNNING.append(client)
    try:
        client.execute(env=env)      # keywords go to the kernel manager's start_kernel
    finally:
        _RUNNING.remove(client)
    return nb


#: notebook clients executing now (their kernels are killed on Ctrl-C)
_RUNNING: list = []


def kill_kernels() -> None:
    """Kill the kernel (and its process group) of every notebook executing now."""
    import signal
    for client in list(_RUNNING):
        proc = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process",
                       None)
        pid = getattr(proc, "pid", None)
        if pid is None:
            continue
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except OSError:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _one_line(name: str, e: Exception) -> ValueError:
    """A notebook's failure as one line naming the notebook."""
    ename, evalue = getattr(e, "ename", None), getattr(e, "evalue", None)
    if ename:
        what = f"a cell raised {ename}: {str(evalue).strip().splitlines()[0] if evalue else ''}"
    else:
        text = str(e).strip().splitlines()
        what = f"{type(e).__name__}: {text[0] if text else ''}"
    return ValueError(f"notebooks: {name}: {what[:300]}")


def _mathjax_assets(out: Path) -> str | None:
    """Copy MathJax 2 from jupyter_server_mathjax; return its relative URL or None."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    dst = out / "assets" / "mathjax"
    if not dst.exists():
        # the pages use the HTML-CSS output: skip the SVG one and the translations
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("SVG", "localization"))
    return "assets/mathjax/MathJax.js"


def _plotly_js(out: Path) -> None:
    import plotly
    src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shutil.copyfile(src, out / "assets" / "plotly.min.js")


def _figure_html(fig_id: str, spec: dict) -> str:
    text = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="dalearn-plotly" id="{fig_id}"></div>'
            f'<script type="application/json" id="{fig_id}-json">{text}</script>')


def site_outputs(nb, page: str) -> dict:
    """Rewrite the executed notebook's outputs for a page without a kernel (in place):
    plotly JSON becomes a div drawn by plotly.js, widget views are dropped (their kernel-free
    form follows them), first frames get a caption.  Returns what the page holds."""
    import nbformat
    info = {"figures": 0, "images": 0, "kernel_free": [], "widgets": 0}
    nb.metadata.pop("widgets", None)          # widget state needs a kernel-side manager
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        pending_widgets = 0
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            meta = o.get("metadata", {}).get("dalearn", {})
            if _WIDGET_MIME in data:
                info["widgets"] += 1
                pending_widgets += 1
                continue
            if _PLOTLY_MIME in data:
                n += 1
                fig_id = f"fig-{n}"
                body = _figure_html(fig_id, data[_PLOTLY_MIME])
                if meta.get("kind") == "kernel-free":
                    pending_widgets = max(pending_widgets - 1, 0)
                    info["kernel_free"].append({"id": fig_id, "panel": meta["panel"],
                                                "frames": meta["frames"]})
                    body = ('<div class="dalearn-kernel-free"><p class="dalearn-caption">'
                            f'<b>Without a kernel:</b> the {html.escape(meta["panel"])} panel '
                            f'over {meta["frames"]} precomputed frames; drag its slider.</p>'
                            f'{body}</div>')
                else:
                    info["figures"] += 1
                outs.append(nbformat.v4.new_output("display_data", data={"text/html": body}))
                continue
            if "image/png" in data:
                info["images"] += 1
                if meta.get("kind") == "first-frame":
                    body = ('<figure class="dalearn-first-frame"><figcaption class='
                            f'"dalearn-caption">The {html.escape(meta["panel"])} panel as it '
                            'opens in JupyterLab (static):</figcaption><img alt="first frame '
                            f'of {html.escape(meta["panel"])}" src="data:image/png;base64,'
                            f'{data["image/png"].strip()}"></figure>')
                    outs.append(nbformat.v4.new_output("display_data",
                                                       data={"text/html": body}))
                    continue
            outs.append(o)
        if pending_widgets:
            raise RuntimeError(f"{page}: a widget without a kernel-free form (display "
                               "dalearn.widgets panels, or give the widget one)")
        cell.outputs = outs
    return info


def _nav(pages: list, current: str) -> str:
    links = ['<a href="index.html">dalearn course</a>']
    for p in pages:
        name = html.escape(p["title"])
        links.append(f"<b>{name}</b>" if p["page"] == current
                     else f'<a href="{p["page"]}">{name}</a>')
    return " · ".join(links)


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def _fold_details(page: str) -> str:
    """Every ``<details>`` folded: a hint the notebook run revealed is, on the static page,
    one click away like the solution, so a reader meets each question before its answer."""
    return re.sub(r"(<details\b[^>]*?)\s+open(?=[\s>=])(=\"[^\"]*\")?", r"\1", page)


def build_site(out="build/site", notebooks=None, *, jobs: int = 1, timeout: int = 600,
               executed: dict | None = None, log=print) -> dict:
    """Execute the course and write the static site to ``out``; returns the manifest
    (also written to ``out/site.json``).  ``jobs``: notebooks executed at once (each in its
    own kernel); ``executed``: {notebook name: executed NotebookNode} to reuse instead."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from .._io import check_distinct, check_output_dir
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a whole number of seconds >= 1, got {timeout!r}")
    paths = find_notebooks(notebooks)
    out = check_output_dir("out", out)
    check_distinct({"out": out}, {"notebooks": paths[0].parent}, folders=("out", "notebooks"))

    t0 = time.perf_counter()
    executed = dict(executed or {})
    todo = [p for p in paths if p.name not in executed]

    def run(p):
        t = time.perf_counter()
        try:
            nb = execute_notebook(p, timeout)
        except Exception as e:       # noqa: BLE001 - a cell's error, a timeout, a dead kernel
            raise _one_line(p.name, e) from None
        log(f"executed {p.name} in {time.perf_counter() - t:.1f} s")
        return p.name, nb

    # executed before anything is written: a failing notebook leaves no partial site;
    # Ctrl-C kills the running kernels at once instead of waiting for their cells
    ex = ThreadPoolExecutor(jobs)
    try:
        executed.update(ex.map(run, todo))
    except BaseException:
        kill_kernels()
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown()
    wall_execute = time.perf_counter() - t0

    (out / "assets").mkdir(parents=True, exist_ok=True)
    _plotly_js(out)
    (out / "assets" / "dalearn-site.js").write_text(_SITE_JS)
    mathjax = _mathjax_assets(out)
    needs_network = [] if mathjax else ["MathJax (install jupyter_server_mathjax to bundle it)"]
    mathjax_url = (mathjax or MATHJAX_CDN) + _MATHJAX_CONFIG

    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader(
        {"dalearn-site.html.j2": _TEMPLATE})], template_file="dalearn-site.html.j2")
    exporter.mathjax_url = mathjax_url
    pages = [{"notebook": p.name, "page": p.stem + ".html",
              "title": _title(executed[p.name], p.stem)} for p in paths]
    for entry in pages:
        nb = executed[entry["notebook"]]
        entry.update(site_outputs(nb, entry["page"]))
        body, _ = exporter.from_notebook_node(
            nb, resources={"dalearn_nav": _nav(pages, entry["page"]),
                           "metadata": {"name": entry["title"]}})
        (out / entry["page"]).write_text(_fold_details(body), encoding="utf-8")
    index = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<link rel='icon' href='data:,'>",
             "<title>dalearn: deep learning is data assimilation</title></head>",
             "<body style='font: 16px sans-serif; max-width: 50em; margin: 2em auto'>",
             "<h1>dalearn: deep learning is data assimilation</h1>",
             "<p>The course, executed. Figures are interactive (plotly); every widget panel "
             "has a kernel-free version with its own slider. No Python needed to read it.</p>",
             "<ol>"]
    for e in pages:
        index.append(f"<li><a href='{e['page']}'>{html.escape(e['title'])}</a> "
                     f"({e['figures']} figures, {len(e['kernel_free'])} kernel-free panels)</li>")
    index.append("</ol></body></html>")
    (out / "index.html").write_text("\n".join(index), encoding="utf-8")
    manifest = {"pages": pages, "mathjax": mathjax_url, "needs_network": needs_network,
                "execute_s": round(wall_execute, 1), "jobs": jobs}
    (out / "site.json").write_text(json.dumps(manifest, indent=1))
    return manifest
