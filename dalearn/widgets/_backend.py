"""How panels display: the backend choice (plotly FigureWidgets or matplotlib images)."""
from __future__ import annotations

import io
import os


#: "plotly": FigureWidgets updated in place (JupyterLab, Notebook 7); "mpl": matplotlib
#: images under the same sliders, redrawn on release (VS Code and Colab, where a plotly
#: FigureWidget may not render)
BACKENDS = ("plotly", "mpl")
#: the environment variable that forces a backend (e.g. ``DALEARN_WIDGETS=mpl jupyter lab``)
BACKEND_ENV = "DALEARN_WIDGETS"


def detect_backend(environ=None, modules=None) -> str:
    """The backend this front end can show: ``$DALEARN_WIDGETS`` if set; "mpl" in Colab
    (``google.colab`` imported) and in VS Code (``VSCODE_PID`` set in the kernel, the test
    plotly's own renderer choice uses); else "plotly"."""
    import sys
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    forced = environ.get(BACKEND_ENV, "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ValueError(f"{BACKEND_ENV} must be one of {BACKENDS}, got {forced!r}")
        return forced
    if "google.colab" in modules or "VSCODE_PID" in environ:
        return "mpl"
    return "plotly"


_backend = detect_backend()


def set_backend(backend: str) -> None:
    """Choose how every panel displays from now on: ``"plotly"`` (FigureWidgets, JupyterLab)
    or ``"mpl"`` (matplotlib images redrawn under the same sliders; VS Code, Colab).  The
    default is :func:`detect_backend`'s choice."""
    global _backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    _backend = backend


def get_backend() -> str:
    """The backend panels display with now ("plotly" or "mpl")."""
    return _backend


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()

