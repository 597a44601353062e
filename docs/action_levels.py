"""Make docs/action_levels.png, the README's figure: the action-level plots of notebook 02's
standard problem (Lorenz96, D = 20, L = 12, ten starts) and of the same twin with 6 of the
20 components observed, each with its expected band at the final R_f.

    PYTHONPATH=. python docs/action_levels.py
"""
from pathlib import Path

import numpy as np

import dalearn as da
from dalearn import plots


def main() -> None:
    panels = []
    for L, n_init in ((12, 10), (6, 6)):
        problem, _ = da.lorenz96_twin(D=20, L=L, sigma=0.4, N=200, dt=0.025, seed=0)
        r = da.anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=n_init, seed=0)
        band = da.levels.level_band(problem, r)
        low = r.final_action.min()
        where = "inside" if band is not None and band.contains(low) else "far above"
        still = np.all(r.action[-1] > 1.1 * r.action[-2])
        title = (f"L = {L} of 20 observed, {n_init} starts: lowest {where} the band"
                 + (",\nstill climbing" if still else ""))
        panels.append(plots.level_panel(r, band=band, title=title))
        print(title, "; band", band, "; final actions", np.round(r.final_action, 3))
    fig = plots.render(panels, backend="mpl")
    fig.set_size_inches(12, 4.3)
    fig.savefig(Path(__file__).with_suffix(".png"), dpi=90, bbox_inches="tight")


if __name__ == "__main__":
    main()
