"""An R_f slider over a neural ODE trained by its boundary value problem."""
from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..plots import ode_training_panels
from ._scrubbers import FrameScrubber

__all__ = ["ODETrainingScrubber"]


class ODETrainingScrubber(FrameScrubber):
    """An R_f slider over the continuation of :func:`dalearn.continuous.train_ode_bvp`
    (``training``, constant weights, 2 nodes) on ``twin``: at each R_f the BVP's paths of
    every training pair in the state plane against the forward pass of the same weights,
    and pair ``pair``'s momentum π against backprop's -λ at those weights.  Every frame is
    computed once on ``n_t`` times; the slider only scrubs.

    Attributes beyond FrameScrubber's, one entry per R_f step: ``Rf``, ``loss`` (training
    loss of the step's weights), ``path_gap`` (max |x - forward pass| over pairs, nodes and
    times) and ``momentum_gap`` (max |π + λ| / max |λ|)."""

    def __init__(self, twin, training, pair: int = 0, n_t: int = 101):
        if training.weights != "constant" or twin.model.D != 2:
            raise ValueError("training: ODETrainingScrubber needs constant weights on a "
                             f"2-node ODE, got weights={training.weights!r}, D={twin.model.D}")
        if not training.success:
            raise ValueError(f"training: a continuation step failed (status "
                             f"{training.status.tolist()})")
        pair = check_int("pair", pair, 0, twin.K - 1)
        t = np.linspace(0.0, twin.T, check_int("n_t", n_t, 3))
        self.Rf = np.asarray(training.Rf, float)
        self.loss = np.asarray(training.loss, float)
        frames, paths, moms = [], [], []
        for i, Rf in enumerate(self.Rf):
            x, pi = training.at(i, t)
            _, _, x_fwd, lam = twin.model.loss_grad(
                training.theta[i], twin.U_train, twin.V_train, twin.T, twin.sigma,
                rtol=1e-8, atol=1e-10, t_eval=t)
            paths.append(float(np.abs(x - x_fwd).max()))
            moms.append(float(np.abs(pi + lam).max() / np.abs(lam).max()))
            frames.append(ode_training_panels(
                x, x_fwd, twin.U_train, twin.V_train, t, pi, -lam,
                f"{_rf(Rf)}: paths; network dashed", pair))
        self.path_gap, self.momentum_gap = np.array(paths), np.array(moms)
        labels = [f"{_rf(R)}: training loss {L:.4f}" for R, L in zip(self.Rf, self.loss)]
        super().__init__(frames, labels, description="R_f", start=0)


def _rf(Rf: float) -> str:
    return "R_f = ∞" if np.isinf(Rf) else f"R_f = {Rf:.3g}"
