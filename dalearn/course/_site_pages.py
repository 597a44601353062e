"""The static site's pages: nbconvert template, CSS and JS, copied assets, navigation and the
index (used by :mod:`._site`)."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

_TEMPLATE = r"""
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block notebook_css -%}
<link rel="stylesheet" href="assets/lab.css">
<link rel="stylesheet" href="assets/dalearn-site.css">
{%- endblock notebook_css -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  chtml: {fontURL: 'assets/mathjax/output/chtml/fonts/woff-v2'},
  options: {menuOptions: {settings: {assistiveMml: true}}}
};
</script>
<script defer src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
{% block extra_css %}
<link rel="icon" href="data:,">
<script src="assets/plotly.min.js"></script>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.dalearn_header }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.dalearn_footer }}
{{ super() }}
{% endblock body_footer %}
{% block footer_js %}
<script src="assets/dalearn-site.js"></script>
{% endblock footer_js %}
"""

#: the site's own style (one file, shared by every page)
_SITE_CSS = """
.dalearn-bar { font: 14px/1.5 system-ui, sans-serif; padding: 8px 16px;
  border-bottom: 1px solid #ccc; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.dalearn-bar a { color: #0b5cad; }
.dalearn-toc { font: 14px/1.5 system-ui, sans-serif; margin: 0 16px; }
.dalearn-toc summary { cursor: pointer; padding: 4px 0; }
.dalearn-toc ol { margin: 4px 0 8px; }
.dalearn-toc a[aria-current="page"] { font-weight: bold; color: inherit; text-decoration: none; }
.dalearn-outline { font: 14px/1.5 system-ui, sans-serif; margin: 0 16px 8px; }
.dalearn-pager { font: 14px system-ui, sans-serif; display: flex; justify-content: space-between;
  padding: 12px 16px; border-top: 1px solid #ccc; margin-top: 24px; }
.dalearn-kernel-free { border-left: 4px solid #1f77b4; padding: 4px 0 4px 10px; margin: 6px 0; }
.dalearn-caption { font: 13px system-ui, sans-serif; color: #333; margin: 4px 0; }
.dalearn-first-frame img { max-width: 100%; }
details { margin: 6px 0; padding: 4px 8px; border: 1px solid #ccc; border-radius: 4px; }
body.dalearn-index { font: 16px/1.5 system-ui, sans-serif; max-width: 50em; margin: 2em auto;
  padding: 0 1em; }
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


# -- assets -----------------------------------------------------------------------------------
def _mathjax_assets(out: Path) -> str | None:
    """Copy MathJax 3 (the combined TeX + CommonHTML component and its woff fonts) from the
    ``django-static-mathjax`` package; return its relative URL or None."""
    try:
        import mathjax
    except ImportError:
        return None
    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (src / "tex-chtml-full.js").exists():
        return None
    dst = out / "assets" / "mathjax"
    fonts = dst / "output" / "chtml" / "fonts" / "woff-v2"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "tex-chtml-full.js", dst / "tex-chtml-full.js")
    for f in (src / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"):
        shutil.copyfile(f, fonts / f.name)
    return "assets/mathjax/tex-chtml-full.js"


def _lab_css() -> str:
    """The CSS nbconvert's lab template inlines in every page (JupyterLab Light), once."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    import nbformat
    probe = r"""{%- extends 'lab/index.html.j2' -%}
{%- block header -%}{{ self.notebook_css() }}{%- endblock header -%}
{%- block body_header -%}{%- endblock body_header -%}
{% block body_footer %}{% endblock body_footer %}
{% block footer %}{% endblock footer %}"""
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader(
        {"dalearn-css.j2": probe})], template_file="dalearn-css.j2")
    text, _ = exporter.from_notebook_node(nbformat.v4.new_notebook())
    return "\n".join(m.strip() for m in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S))


def _plotly_js(out: Path) -> None:
    import plotly
    src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shutil.copyfile(src, out / "assets" / "plotly.min.js")


def _figure_html(fig_id: str, spec: dict, alt: str) -> str:
    text = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="dalearn-plotly" id="{fig_id}" role="img" '
            f'aria-label="{html.escape(alt)}"></div>'
            f'<script type="application/json" id="{fig_id}-json">{text}</script>')


# -- navigation --------------------------------------------------------------------------------
def _toc(pages: list, current: str | None) -> str:
    items = []
    for p in pages:
        cur = ' aria-current="page"' if p["page"] == current else ""
        items.append(f'<li><a href="{p["page"]}"{cur}>{html.escape(p["title"])}</a></li>')
    return "<ol>" + "".join(items) + "</ol>"


def _header(pages: list, entry: dict) -> str:
    from .._links import binder_url, colab_url
    nb = entry["notebook"]
    bar = ('<nav class="dalearn-bar" aria-label="This notebook">'
           '<a href="index.html">dalearn course</a>'
           f'<a href="notebooks/{nb}" download>Download the notebook (.ipynb)</a>'
           f'<a href="{binder_url(nb)}">Launch on Binder</a>'
           f'<a href="{colab_url(nb)}">Open in Colab</a></nav>')
    toc = ('<nav class="dalearn-toc" aria-label="Course contents"><details><summary>'
           f'Contents: page {pages.index(entry) + 1} of {len(pages)}</summary>'
           f'{_toc(pages, entry["page"])}</details></nav>')
    return bar + toc + "<!--dalearn-outline-->"


def _footer(pages: list, entry: dict) -> str:
    i = pages.index(entry)
    prev = (f'<a href="{pages[i - 1]["page"]}" rel="prev">← {html.escape(pages[i - 1]["title"])}'
            '</a>' if i > 0 else '<a href="index.html">← Contents</a>')
    nxt = (f'<a href="{pages[i + 1]["page"]}" rel="next">{html.escape(pages[i + 1]["title"])} →'
           '</a>' if i + 1 < len(pages) else '<a href="index.html">Contents →</a>')
    return f'<nav class="dalearn-pager" aria-label="Previous and next">{prev}{nxt}</nav>'


def _outline(page: str) -> tuple:
    """The page's level-2 headings as (anchor, text), and the "On this page" navigation."""
    found = []
    for m in re.finditer(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link"|</h2>)', page, re.S):
        text = re.sub(r"<[^>]+>", "", m.group(2)).strip()
        found.append((m.group(1), text))
    if not found:
        return found, ""
    links = "".join(f'<li><a href="#{a}">{t}</a></li>' for a, t in found)
    return found, ('<nav class="dalearn-outline" aria-label="On this page"><details>'
                   f"<summary>On this page</summary><ul>{links}</ul></details></nav>")


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


def _site_size(out: Path) -> int:
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def _index_html(pages: list) -> str:
    """The site's index page: the course's contents with each page's figure counts."""
    index = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1.0'>",
             "<link rel='icon' href='data:,'>",
             "<link rel='stylesheet' href='assets/dalearn-site.css'>",
             "<title>dalearn: deep learning is data assimilation</title></head>",
             "<body class='dalearn-index'><main>",
             "<h1>dalearn: deep learning is data assimilation</h1>",
             "<p>The course, executed. Figures are interactive (plotly); every widget panel "
             "has a kernel-free version with its own slider. No Python needed to read it. "
             "Each page links its notebook for download and launches it on Binder or Colab."
             "</p>", "<nav aria-label='Course contents'><h2>Contents</h2>", "<ol>"]
    for e in pages:
        n_fig, n_kf = e["figures"], len(e["kernel_free"])
        index.append(f"<li><a href='{e['page']}'>{html.escape(e['title'])}</a> "
                     f"({n_fig} figure{'' if n_fig == 1 else 's'}, {n_kf} kernel-free "
                     f"panel{'' if n_kf == 1 else 's'})</li>")
    index.append("</ol></nav></main></body></html>")
    return "\n".join(index)
