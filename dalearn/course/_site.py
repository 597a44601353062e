"""The course as a static site: ``python -m dalearn site --out build/site``.

Executes every notebook (nbclient, the engine nbval and nbconvert use) and writes one HTML
page per notebook (nbconvert's lab template) plus an index.  Why nbconvert and not Jupyter
Book: both are needed anyway (nbclient runs the notebooks, nbconvert is installed with
JupyterLab), they give one page per notebook with Lab's look, and the one thing the site
needs beyond them -- a kernel-free form of every widget panel -- is ours to make either way;
Jupyter Book would add a Sphinx tool chain to every install for a table of contents.

Every figure is in the page:

- plotly figures are written as JSON and drawn by plotly.js copied from the installed
  ``plotly`` package (``assets/plotly.min.js``), each with an ``aria-label`` describing it;
- a widget panel (dalearn.widgets) needs a kernel, so the site's kernel runs
  :func:`install_display_hook` first: every panel the notebook displays is then followed by
  its kernel-free form (a plotly figure with its own slider over precomputed frames,
  :func:`dalearn.plots.render_frames`) and its first frame as a PNG with alt text; the
  widget itself is dropped.  The widgets do not know the site exists;
- math is typeset by MathJax 3 (CommonHTML output) copied from the installed
  ``django-static-mathjax`` package (``assets/mathjax``, about 1.7 MB).  Without that package
  the pages load MathJax 3 from a CDN and say so (``needs_network`` in ``site.json``): the
  only part of the site that would need a network.

Each page has the course's table of contents (``aria-current`` on the page), an outline of
its sections, previous/next links, a link to download the notebook (copied, output-free, to
``notebooks/``) and launch links (Binder, Colab).  The Lab CSS is written once to
``assets/lab.css``; the site's own to ``assets/dalearn-site.css``.

``site.json`` lists the pages, their figures and their kernel-free panels (with frame counts).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ._site_pages import (_figure_html, _fold_details, _footer, _header, _index_html,
                          _lab_css, _mathjax_assets, _outline, _plotly_js, _SITE_CSS,
                          _SITE_JS, _site_size, _TEMPLATE, _title)

__all__ = ["build_site", "execute_notebook", "find_notebooks", "install_display_hook",
           "describe_figure", "MATHJAX_CDN"]

MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml-full.js"
_PLOTLY_MIME = "application/vnd.plotly.v1+json"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: the output metadata key the site's display hook writes (read back by site_outputs)
_META = "dalearn_site"
#: the tag of each notebook's Colab set-up cell (left out of the pages)
COLAB_TAG = "colab-setup"
#: what the site's kernel runs before the notebook's first cell
_KERNEL_SETUP = "import dalearn.course as _dalearn_course; _dalearn_course.install_display_hook()"

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


# -- what the site's kernel runs ---------------------------------------------------------------
def describe_figure(spec: dict) -> str:
    """Alt text for a plotly figure (its JSON ``spec``): each subplot's title, its axes and
    the names of its traces, e.g. "Action levels: action against β (start 1, start 2)."."""
    layout = spec.get("layout", {}) or {}

    def text(t):
        if isinstance(t, dict):
            t = t.get("text")
        return re.sub(r"<[^>]+>", "", str(t)).strip() if t else ""

    titles = [text(a) for a in layout.get("annotations", []) or [] if text(a)]
    axes = sorted(k for k in layout if re.fullmatch(r"xaxis\d*", k)) or ["xaxis"]
    parts = []
    for i, xk in enumerate(axes):
        suffix = xk[5:]
        x = text((layout.get(xk) or {}).get("title"))
        y = text((layout.get("yaxis" + suffix) or {}).get("title"))
        names = [text(t.get("name")) for t in spec.get("data", [])
                 if (t.get("xaxis") or "x") == "x" + suffix and text(t.get("name"))]
        head = titles[i] if i < len(titles) else ""
        what = f"{y or 'value'} against {x or 'x'}"
        parts.append((f"{head}: " if head else "") + what
                     + (f" ({', '.join(dict.fromkeys(names))})" if names else ""))
    title = text(layout.get("title"))
    return (f"{title}. " if title else "") + "; ".join(parts) + "."


def _panel_for_site(panel) -> None:
    """Display ``panel`` as usual, then its kernel-free form and its first frame (tagged
    with ``_META`` metadata for :func:`site_outputs`)."""
    import base64
    import io

    import plotly.io as pio
    from IPython.display import display
    display(panel.box)               # dropped from the page; its kernel-free form follows
    fig = panel.kernel_free()
    spec = json.loads(pio.to_json(fig))
    name = type(panel).__name__
    alt = describe_figure(spec)
    display({_PLOTLY_MIME: spec, "text/plain": f"<kernel-free {name}>"}, raw=True,
            metadata={_META: {"kind": "kernel-free", "panel": name, "frames": len(fig.frames),
                              "alt": alt}})
    static = panel.static_figure()
    buf = io.BytesIO()
    static.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(static)
    display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
             "text/plain": f"<first frame of {name}>"}, raw=True,
            metadata={_META: {"kind": "first-frame", "panel": name, "alt": alt}})


def _mpl_for_site(fig) -> None:
    """A matplotlib figure shown by a cell: its PNG with alt text from its axes."""
    import base64
    import io

    from IPython.display import display
    parts = []
    for ax in fig.get_axes():
        what = f"{ax.get_ylabel() or 'value'} against {ax.get_xlabel() or 'x'}"
        names = [l.get_label() for l in ax.get_lines() if not l.get_label().startswith("_")]
        parts.append((f"{ax.get_title()}: " if ax.get_title() else "") + what
                     + (f" ({', '.join(names)})" if names else ""))
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
             "text/plain": repr(fig)}, raw=True,
            metadata={_META: {"kind": "image",
                              "alt": (f"{title}. " if title else "") + "; ".join(parts) + "."}})


def install_display_hook(shell=None) -> None:
    """Run in the site's kernel (never in a learner's): every dalearn widget panel and every
    matplotlib figure a cell displays gets the forms a page without a kernel can show.  The
    panels are found by type through IPython's display formatter, so :mod:`dalearn.widgets`
    needs no knowledge of the site."""
    from matplotlib.figure import Figure

    from ..widgets import WidgetPanel as _Panel
    if shell is None:
        from IPython import get_ipython
        shell = get_ipython()
    if shell is None:
        raise RuntimeError("install_display_hook needs a running IPython kernel")
    hooks = shell.display_formatter.ipython_display_formatter
    hooks.for_type(_Panel, _panel_for_site)
    hooks.for_type(Figure, _mpl_for_site)


def execute_notebook(path, timeout: int = 600):
    """Run one notebook in a fresh kernel that has run :func:`install_display_hook` (so
    widget panels also display their kernel-free form); returns the executed
    ``NotebookNode``."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    sockets = tempfile.mkdtemp(prefix="dalearn-kernel-")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            config=_local_sockets(sockets),
                            store_widget_state=False,
                            extra_arguments=[f"--IPKernelApp.exec_lines={_KERNEL_SETUP}"],
                            resources={"metadata": {"path": str(Path(path).parent)}})
    _RUNNING.append(client)
    try:
        client.execute()
    finally:
        _RUNNING.remove(client)
        shutil.rmtree(sockets, ignore_errors=True)
    return nb


def _local_sockets(folder: str):
    """Kernel configuration: talk over Unix sockets in ``folder`` where the system has them
    (the kernel is local: no TCP port, and no "running over TCP without encryption" warning
    per notebook in the build log), else over TCP (the default)."""
    from traitlets.config import Config
    if os.name != "posix":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "k")}})


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


def site_outputs(nb, page: str) -> dict:
    """Rewrite the executed notebook's outputs for a page without a kernel (in place):
    plotly JSON becomes a div drawn by plotly.js, widget views are dropped (their kernel-free
    form follows them), images get alt text and first frames a caption.  Returns what the
    page holds."""
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
            meta = o.get("metadata", {}).get(_META, {})
            if _WIDGET_MIME in data:
                info["widgets"] += 1
                pending_widgets += 1
                continue
            if _PLOTLY_MIME in data:
                n += 1
                fig_id = f"fig-{n}"
                alt = meta.get("alt") or describe_figure(data[_PLOTLY_MIME])
                body = _figure_html(fig_id, data[_PLOTLY_MIME], alt)
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
                png = data["image/png"].strip()
                alt = meta.get("alt") or "A figure (no description available)."
                if meta.get("kind") == "first-frame":
                    body = ('<figure class="dalearn-first-frame"><figcaption class='
                            f'"dalearn-caption">The {html.escape(meta["panel"])} panel as it '
                            'opens in JupyterLab (static):</figcaption><img alt="First frame: '
                            f'{html.escape(alt)}" src="data:image/png;base64,{png}"></figure>')
                else:
                    body = f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{png}">'
                outs.append(nbformat.v4.new_output("display_data", data={"text/html": body}))
                continue
            outs.append(o)
        if pending_widgets:
            raise RuntimeError(f"{page}: a widget without a kernel-free form (display "
                               "dalearn.widgets panels, or give the widget one)")
        cell.outputs = outs
    return info


def _execute_all(paths, executed, jobs: int, timeout: int, log) -> tuple:
    """Execute every notebook not in ``executed`` before anything is written (a failing
    notebook leaves no partial site); Ctrl-C kills the running kernels at once.  Returns
    (seconds, {name: executed NotebookNode})."""
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

    ex = ThreadPoolExecutor(jobs)
    try:
        executed.update(ex.map(run, todo))
    except BaseException:
        kill_kernels()
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown()
    return time.perf_counter() - t0, executed


def build_site(out="build/site", notebooks=None, *, jobs: int = 1, timeout: int = 600,
               executed: dict | None = None, log=print) -> dict:
    """Execute the course and write the static site to ``out``; returns the manifest
    (also written to ``out/site.json``).  ``jobs``: notebooks executed at once (each in its
    own kernel); ``executed``: {notebook name: executed NotebookNode} to reuse instead."""
    from .._io import check_distinct, check_output_dir
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a whole number of seconds >= 1, got {timeout!r}")
    paths = find_notebooks(notebooks)
    out = check_output_dir("out", out)
    check_distinct({"out": out}, {"notebooks": paths[0].parent}, folders=("out", "notebooks"))
    wall_execute, executed = _execute_all(paths, executed, jobs, timeout, log)
    mathjax_url, needs_network = _write_assets(out, paths)
    pages = _write_pages(out, paths, executed, mathjax_url)
    (out / "index.html").write_text(_index_html(pages), encoding="utf-8")
    manifest = {"pages": pages, "mathjax": mathjax_url, "needs_network": needs_network,
                "execute_s": round(wall_execute, 1), "jobs": jobs}
    manifest["bytes"] = _site_size(out)
    (out / "site.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _write_assets(out: Path, paths) -> tuple:
    """plotly.js, the site's JS and CSS, Lab's CSS, MathJax (if installed) and the notebooks
    as given (the download links) under ``out``; returns (MathJax URL, needs_network)."""
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / "notebooks").mkdir(exist_ok=True)
    _plotly_js(out)
    (out / "assets" / "dalearn-site.js").write_text(_SITE_JS)
    (out / "assets" / "dalearn-site.css").write_text(_SITE_CSS)
    (out / "assets" / "lab.css").write_text(_lab_css())
    mathjax = _mathjax_assets(out)
    needs_network = [] if mathjax else [
        "MathJax 3 (install django-static-mathjax to bundle it)"]
    mathjax_url = mathjax or MATHJAX_CDN
    for p in paths:                              # the download links: the notebooks as given
        shutil.copyfile(p, out / "notebooks" / p.name)
    return mathjax_url, needs_network


def _write_pages(out: Path, paths, executed: dict, mathjax_url: str) -> list:
    """One HTML page per executed notebook under ``out``; returns the pages' entries."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader(
        {"dalearn-site.html.j2": _TEMPLATE})], template_file="dalearn-site.html.j2")
    exporter.mathjax_url = mathjax_url
    pages = [{"notebook": p.name, "page": p.stem + ".html",
              "title": _title(executed[p.name], p.stem)} for p in paths]
    for entry in pages:
        nb = executed[entry["notebook"]]
        # the Colab set-up cell is for Colab; a reader of the site has no kernel to set up
        nb.cells = [c for c in nb.cells if COLAB_TAG not in c.metadata.get("tags", [])]
        entry.update(site_outputs(nb, entry["page"]))
        body, _ = exporter.from_notebook_node(
            nb, resources={"dalearn_header": _header(pages, entry),
                           "dalearn_footer": _footer(pages, entry),
                           "mathjax_url": mathjax_url, "language_code": "en",
                           "metadata": {"name": entry["title"]}})
        sections, outline = _outline(body)
        entry["sections"] = [t for _, t in sections]
        body = body.replace("<!--dalearn-outline-->", outline, 1)
        (out / entry["page"]).write_text(_fold_details(body), encoding="utf-8")
    return pages
