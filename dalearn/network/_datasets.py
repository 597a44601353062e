"""Small real data sets read with the standard library (no pandas).

:func:`load_iris`: Fisher's iris measurements as shipped inside plotly
(``plotly/package_data/datasets/iris.csv.gz``): 150 flowers, 4 features (sepal length and
width, petal length and width, cm), 3 species.

:func:`load_digits`: 1797 handwritten digits, 8x8 images of counts 0..16 (UCI optdigits'
test part, Alpaydin and Kaynak 1998, CC BY 4.0), shipped inside dalearn (``dalearn/data``,
with its attribution); no network access.
"""
from __future__ import annotations

import csv
import gzip
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["load_iris", "iris_path", "split_stratified", "load_digits", "digits_path"]

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def iris_path() -> Path:
    """Where plotly keeps iris.csv.gz (plotly is a course dependency)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise ValueError("the iris data ship with plotly, which is not installed "
                         "(pip install plotly)")
    path = Path(spec.origin).parent / "package_data" / "datasets" / "iris.csv.gz"
    if not path.is_file():
        raise ValueError(f"{path}: not found in this plotly installation")
    return path


def load_iris(path=None):
    """(features (150, 4) in cm, labels (150,) ints 0..2, species names (3,)); rows in
    file order.  ``path``: an iris.csv(.gz) with the plotly columns (default: plotly's)."""
    path = Path(path) if path is not None else iris_path()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    species = sorted({r["species"] for r in rows})
    X = np.array([[float(r[c]) for c in FEATURES] for r in rows])
    y = np.array([species.index(r["species"]) for r in rows])
    return X, y, tuple(species)


def split_stratified(y, n_train_per_class: int, seed=0):
    """Indices (train, test): ``n_train_per_class`` random rows of each class for training,
    the rest held out; seeded."""
    rng = np.random.default_rng(seed)
    train = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        train.extend(rng.choice(idx, n_train_per_class, replace=False))
    train = np.sort(np.array(train))
    test = np.setdiff1d(np.arange(len(y)), train)
    return train, test


def digits_path() -> Path:
    """The handwritten digits file shipped with dalearn (see dalearn/data/README.md)."""
    return Path(__file__).resolve().parent.parent / "data" / "optdigits_test.csv.gz"


def load_digits(path=None):
    """(images (1797, 64) counts 0..16, 8x8 row-major; labels (1797,) ints 0..9); rows in
    file order.  ``path``: a CSV(.gz) of 64 pixel columns and the label (default: dalearn's
    copy of UCI optdigits' test part)."""
    path = Path(path) if path is not None else digits_path()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        A = np.loadtxt(f, delimiter=",")
    if A.ndim != 2 or A.shape[1] != 65:
        raise ValueError(f"{path}: expected 65 columns (64 pixels and the label), got {A.shape}")
    return A[:, :64], A[:, 64].astype(int)
