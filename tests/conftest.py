import numpy as np
import pytest

from dalearn import anneal
from dalearn import lorenz96_twin


@pytest.fixture(scope="session")
def l96_L12():
    """The standard problem: D=20, L=12, sigma=0.4, N=200, annealed with 10 starts."""
    problem, truth = lorenz96_twin(D=20, L=12, sigma=0.4, N=200, dt=0.025, seed=0, n_future=100)
    result = anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=10, seed=0)
    return problem, truth, result


def central_fd(f, z, eps=1e-6):
    """Central finite-difference gradient of scalar f at z."""
    g = np.empty_like(z)
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = eps * max(1.0, abs(z[i]))
        g[i] = (f(z + e) - f(z - e)) / (2 * e[i])
    return g


def fd_hessian(grad, z, V=None, eps=1e-6):
    """Hessian columns H v, for each column v of ``V`` (default: the identity, the whole
    Hessian), by central differences of the exact gradient ``grad``."""
    V = np.eye(z.size) if V is None else V
    return np.stack([(grad(z + eps * v) - grad(z - eps * v)) / (2 * eps) for v in V.T], -1)


#: the longest modules (a JupyterLab session in Chromium; the static site's build): first in
#: the collection order, so the parallel run (pytest-xdist, which hands modules to workers in
#: that order) starts them at once instead of leaving one to run alone at the end
LONGEST_FIRST = ("test_browser.py", "test_site.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: order kept
