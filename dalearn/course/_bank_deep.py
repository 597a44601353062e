"""The exercises of the deepest-learning notebooks: 08 (training in continuous layers) and
09 (annealing against backprop on networks)."""
from __future__ import annotations

import functools

from ._bank_checks import _choice, _integer, _options
from ._exercise import Exercise

_B = []


@functools.lru_cache(maxsize=None)
def _nb08_sizes() -> tuple:
    """(K, D, P) of notebook 08's neural-ODE twin."""
    from ..continuous import ode_twin
    tw = ode_twin(D=2, K_train=5, seed=0)
    return tw.K, tw.model.D, tw.model.P


def _nb08_conditions() -> int:
    K, D, P = _nb08_sizes()
    return 2 * K * D + 2 * P


def _starts_for_99(p: float) -> int:
    from ..annealing import starts_needed
    return int(starts_needed(p, 0.99))


# ---- 08: training in continuous layers
_B.append(Exercise(
    "08.1", "compute", "How many boundary conditions?",
    """The notebook's training BVP (K = 5 pairs, D = 2 nodes, P = 6 weights) carries the states
x^k, the momenta π^k and the weight condition's running integral G as unknown functions,
and the P weights as unknown parameters. How many boundary conditions does `solve_bvp`
need?""",
    _integer(_nb08_conditions, mistakes=lambda: {
        2 * _nb08_sizes()[0] * _nb08_sizes()[1] + _nb08_sizes()[2]:
            "That is the number of unknown functions (2KD + P). Each unknown parameter needs "
            "one condition more.",
        2 * _nb08_sizes()[0] * _nb08_sizes()[1]:
            "That counts x and π only (x(0) = u, π(T) = -R_m (x(T) - v)); G and the weights "
            "add their own conditions.",
        2 * _nb08_sizes()[1] + 2 * _nb08_sizes()[2]:
            "Every one of the K pairs has its own x and π: multiply by K."}),
    ("Unknown functions: KD states, KD momenta, P entries of G. solve_bvp needs one condition "
     "per unknown function plus one per unknown parameter.",
     "G(0) = 0 and G(T) = 0 are both imposed: that is where the extra P come from."),
    """2KD + 2P = 2·5·2 + 2·6 = 32: x(0) = u and π(T) = -R_m (x(T) - v) for every pair (2KD),
and G(0) = G(T) = 0 (2P). G(0) = 0 fixes G's integration constant; G(T) = 0 is the
weight condition ∫ Σ_k (∂F/∂θ)ᵀ π^k dt = 0, and it is what determines the P weights.""",
    answer=_nb08_conditions,
    wrong=((lambda: _nb08_conditions() - _nb08_sizes()[2], "unknown functions"),
           (20, "x and π only"))))

_C082 = {"a": "W(t) shrinks to zero at every t.",
         "b": "W(t) becomes constant: the constant-weight BVP, whose solution at R_f = ∞ is a "
              "stationary point of backprop's loss.",
         "c": "W(t) becomes the teacher's weights.",
         "d": "W(t) fits the training outputs exactly."}
_B.append(Exercise(
    "08.2", "choice", "The regulariser's limit",
    "With layer-dependent weights the notebook adds R_w/2 ∫ |Ẇ|² dt to the action. What do "
    "the weights W(t) of the solution become as R_w → ∞?\n\n" + _options(_C082),
    _choice("b", _C082, {
        "a": "the penalty is on the change Ẇ, not on W: pulling W to zero would be weight "
             "decay, R_w |W|².",
        "c": "five noisy pairs do not pin the teacher down: even constant weights miss it "
             "(the notebook's held-out error is not zero).",
        "d": "that is the other end, small R_w, where W(t) is nearly free and fits the noise."},
        "An infinite price on Ẇ leaves constant weights, and then ρ(T) - ρ(0) = 0 is the "
        "integral condition ∫ Σ_k (∂F/∂θ)ᵀ π^k dt = 0 of the constant-weight problem."),
    ("Which quantity does R_w/2 ∫ |Ẇ|² dt make expensive: W or its change?",),
    """(b). The penalty prices the change of the weights from layer to layer. As R_w → ∞ any
change costs too much, W(t) is constant, and the weights' momentum ρ = R_w Ẇ satisfies
ρ(T) - ρ(0) = -∫ Σ_k (∂F/∂W)ᵀ π^k dt = 0: the integral condition, whose solution at
R_f → ∞ is a stationary point of backprop's loss. The notebook checks it: at R_w = 10³ the
layer-averaged weights are within 10⁻³ of the constant ones.""",
    answer="b", wrong=(("a", "weight decay"), ("d", "small R_w"))))

# ---- 09: annealing against backprop on networks
_B.append(Exercise(
    "09.1", "compute", "Starts for a 99 % chance",
    """L-BFGS-B reached the lowest training loss from 2 of 50 starts: p ≈ 0.04 (95 % interval
0.005 to 0.14, and biased upwards: one of those starts defines the lowest loss). How many
independent starts give a 99 % chance that at least one reaches it? (Round up to a whole
number; `dalearn.annealing.starts_needed` computes it. Over the interval of p the answer
ranges from 32 to 942.)""",
    _integer(lambda: _starts_for_99(0.04), mistakes={
        25: "1/p = 25 is the mean number of starts until the first success; a 99 % chance "
            "needs more: the smallest n with 1 - (1 - p)^n ≥ 0.99.",
        50: "50 starts reached it twice here, but the chance that 50 starts reach it at least "
            "once is 1 - 0.96^50 ≈ 0.87, not 0.99.",
        99: "That is 0.99/p rounded: the chance grows as 1 - (1 - p)^n, not linearly in n."}),
    ("The chance that n independent starts all miss is (1 - p)^n.",
     "Solve (1 - p)^n ≤ 0.01 for n: n ≥ ln(0.01) / ln(1 - p)."),
    """n ≥ ln(0.01)/ln(0.96) = 112.8, so 113 starts. With the interval of p (Clopper-Pearson,
0.005 to 0.14 for 2 of 50) the answer ranges from 32 to 942: one run of 50
starts pins down the order of magnitude, not the number.""",
    answer=lambda: _starts_for_99(0.04),
    wrong=((25, "mean number of starts"), (50, "0.87"))))

_C092 = {"a": "The measurement term: at small R_f the data are ignored.",
         "b": "The coupling of the layers: at small R_f the hidden states are nearly free, so "
              "each layer is fitted to its neighbours' states separately and the composition "
              "through all layers is switched on gradually.",
         "c": "Nothing: at every R_f the action has the minima of the training loss.",
         "d": "The noise in the outputs."}
_B.append(Exercise(
    "09.2", "choice", "What annealing smooths in a network",
    "Precision annealing starts at small R_f and raises it. In a network's action, what does "
    "the small R_f make easy?\n\n" + _options(_C092),
    _choice("b", _C092, {
        "a": "at small R_f the data dominate the action: it is the model term that is weak.",
        "c": "the minima of the action at small R_f are not those of the training loss: the "
             "hidden states (and here the inputs) are free there.",
        "d": "the data, and their noise, are the same at every R_f."},
        "The hard part of training is the composition of the layer maps; with free hidden "
        "states each layer's term is a fit of one layer."),
    ("Write the model term: R_f Σ |x(l+1) - f(x(l), W(l))|². What couples the layers?",),
    """(b). The model term couples layer l + 1 to layer l through f(x(l), W(l)); at small R_f
it is a weak penalty, the hidden states sit near whatever the data and the neighbouring
states want, and each W(l) is a fit of one layer to those states. Raising R_f imposes the
composition. Whether this leads to the lowest training loss is an empirical question: on
the notebook's many-minima problem it did not.""",
    answer="b", wrong=(("a", "model term that is weak"), ("c", "not those of the training"))))

BANK_08_09 = _B
