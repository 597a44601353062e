"""Where the course lives, and the launch links made from it (one place: the README's
badges, ``pyproject.toml``'s ``[project.urls]``, ``CITATION.cff`` and the static site's pages
all name this repository, and ``tests/test_reach.py`` checks that they agree)."""
from __future__ import annotations

__all__ = ["REPOSITORY", "BRANCH", "repository_url", "binder_url", "colab_url"]

#: the GitHub repository (owner/name) of the course
REPOSITORY = "dalearn/dalearn"
BRANCH = "main"


def repository_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def _check(notebook: str) -> str:
    if not isinstance(notebook, str) or not notebook.endswith(".ipynb") or "/" in notebook:
        raise ValueError(f"notebook must be a file name like '01_data_assimilation.ipynb', "
                         f"got {notebook!r}")
    return notebook


def binder_url(notebook: str | None = None) -> str:
    """mybinder.org, opening JupyterLab on ``notebooks/<notebook>`` (or the folder)."""
    where = "notebooks" if notebook is None else f"notebooks/{_check(notebook)}"
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{where}"


def colab_url(notebook: str) -> str:
    """Google Colab, opening ``notebooks/<notebook>`` straight from GitHub."""
    return (f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/"
            f"notebooks/{_check(notebook)}")
