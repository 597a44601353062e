"""The exercises of the machine-learning notebooks: 03-05."""
from __future__ import annotations

from ._bank_checks import (_choice, _euler_error_ratio, _nb03_problem, _nb04_level, _number,
                           _options, _sine_area_change)
from ._exercise import Exercise


_B = []

# ---- 03: a network is a data assimilation problem
_B.append(Exercise(
    "03.1", "compute", "The recurrent student's expected level",
    """The recurrent student (5 nodes, 10 layers, one shared weight set) is fitted to K = 40
pairs, all 5 nodes measured at both ends. Compute its expected level
1 - (K D + n_W)/(K (n_in + n_out)) by hand, then compare with `rproblem.expected_level`.""",
    _number(lambda: _nb03_problem(10, True).expected_level, atol=1e-9, mistakes=(
        (1.0, 1e-9, "1 would hold if nothing were fitted; here the input states and the "
                    "weights are."),
        (lambda: _nb03_problem(4, False).expected_level, 1e-9,
         "That is the feedforward student's level (120 weights); the recurrent one has one "
         "weight set of 30."),
        (lambda: 1 - 30 / 400, 1e-9, "You counted the weights but not the K·D = 200 input "
                                     "states, which are fitted too."),
        (lambda: 1 - 200 / 400, 1e-9, "You counted the K·D = 200 input states but not the "
                                      "n_W = 30 shared weights, which are fitted too."),
        (lambda: 1 - 230 / 200, 1e-9, "You divided by K·n_out = 200 only: both ends are "
                                      "measured, K (n_in + n_out) = 400 numbers."))),
    ("n_W = 5·5 + 5 = 30 for one shared weight set; K D = 200 input states.",
     "K (n_in + n_out) = 40 · 10 = 400 measured numbers."),
    """1 - (40·5 + 30)/(40·10) = 1 - 230/400 = 0.425. At a least-squares minimum each fitted
number removes about one unit from the sum of squared residuals; the inputs are fitted as
states (errors in variables), so they count too.""",
    answer=lambda: _nb03_problem(10, True).expected_level,
    wrong=((1.0, "nothing were fitted"), (1 - 30 / 400, "input states"),
           (0.5, "shared weights"), (1 - 230 / 200, "both ends are"))))

_C032 = {"a": "π = λ", "b": "π = -λ", "c": "π = R_f λ", "d": "π = λ / R_f"}
_B.append(Exercise(
    "03.2", "choice", "The momentum and backprop's λ",
    "Backpropagation computes λ(l) = ∂loss/∂x(l). The weighted model residual "
    "R_f·(x(l+1) - f(x(l))) of the annealed network is the canonical momentum π(l+1). "
    "As R_f grows, how is π related to λ?\n\n" + _options(_C032),
    _choice("b", _C032, {
        "a": "check the sign: moving x(l+1) towards f(x(l)) lowers the model term, and "
             "λ points uphill in the loss.",
        "c": "the residual shrinks like 1/R_f, so R_f times it stays finite: no extra R_f.",
        "d": "the momentum stays finite as R_f → ∞; λ/R_f would vanish."},
        "At the minimum the model term's pull, π, balances the downstream loss gradient, λ: "
        "π + λ = 0."),
    ("Stationarity of the action in x(l+1): the model term's derivative balances the "
     "derivative of everything downstream.",),
    """(b), π = -λ. At the minimum the derivative of the action with respect to x(l+1)
vanishes: the model term contributes R_f·(x(l+1) - f(x(l))) = π(l+1), and the rest of the
action (downstream layers and the output data) contributes ∂loss/∂x(l+1) = λ(l+1), so
π + λ = 0. Notebook 05 shows the continuous version: the BVP's momentum equals minus the
adjoint of backpropagation as R_f → ∞.""",
    answer="b", wrong=(("a", "check the sign"), ("c", "no extra R_f"))))

_B.append(Exercise(
    "03.3", "investigate", "More weights than data",
    """Give the feedforward student **8 layers** (one weight set per layer). Compute its
expected level with the formula of 03.1 (or `problem8.expected_level`). What does the
number say, and what would you expect annealing's levels to do?""",
    _number(lambda: _nb03_problem(8, False).expected_level, atol=1e-9, mistakes=(
        (lambda: _nb03_problem(4, False).expected_level, 1e-9,
         "That is the 4-layer student; each layer adds its own 30 weights."),
        (0.0, 1e-9, "The formula can go below zero; compute it as it is, then think about "
                    "what a negative value means."))),
    ("8 layers × 30 weights = 240 weights, plus 200 input states.",
     "Compare the number of fitted numbers with the 400 measured ones."),
    """1 - (200 + 240)/400 = -0.1: more fitted numbers than measured ones. The formula
assumes each fitted number removes one unit of noise; here the student can fit the noise
entirely, so the measurement term can reach (nearly) 0, with many weight vectors doing so.
The levels of annealing then no longer single out a consistent minimum: the problem is
under-determined, the data-assimilation face of over-fitting. More pairs, shared weights
(notebook 03's recurrent student) or fewer layers restore a positive expected level.""",
    answer=lambda: _nb03_problem(8, False).expected_level,
    wrong=((lambda: _nb03_problem(4, False).expected_level, "4-layer"),
           (0.0, "below zero"))))

# ---- 04: deeper is finer
_B.append(Exercise(
    "04.1", "predict", "Halve the step",
    """A residual layer is one forward-Euler step. **Predict**: if you halve the step h (twice
the layers across the same T), by what factor does Euler's error at a fixed time fall?
(dalearn checks your factor against Lorenz96 integrated with h = 0.01 and 0.005 to
t = 0.5.)""",
    _number(_euler_error_ratio, rtol=0.08, mistakes=(
        (4.0, 0.5, "4 would be a second-order method (the trapezoid rule): forward Euler's "
                   "global error is first order."),
        (0.5, 0.1, "Give the factor by which the error *falls*: error(h) / error(h/2)."),
        (8.0, 1.0, "Local error per step is O(h²), but there are 1/h steps: the global error "
                   "is O(h)."))),
    ("How many steps of size h does it take to reach a fixed time t, and how many of size "
     "h/2?",
     "Forward Euler's local error per step is O(h²); multiply by the number of steps."),
    """About 2: forward Euler is first order, error ∝ h. Each step makes an O(h²) error and
there are T/h of them. That is why notebook 04's Lorenz96 level needs k = 8 Euler steps
per data step, and why a second-order rule (trapezoid) does with one.""",
    answer=_euler_error_ratio, wrong=((4.0, "second-order"), (0.5, "*falls*"))))

_B.append(Exercise(
    "04.2", "compute", "A better layer map",
    """Switch the Lorenz96 experiment to the **trapezoid** rule with **k = 1** (no extra
steps): `lorenz96_twin(D=20, L=12, sigma=0.4, N=80, dt=0.05, k=1, rule="trapezoid", seed=0)`,
annealed with `betas=21, n_init=2, seed=0, maxiter=100`. What is the lowest final action?""",
    _number(lambda: _nb04_level("trapezoid"), rtol=0.02, mistakes=(
        (lambda: _nb04_level("euler"), lambda: 0.05 * _nb04_level("euler"),
         "That is Euler's level at k = 1; set `rule=\"trapezoid\"`."),)),
    ("`result.final_action.min()`", "Compare with the Euler levels in the notebook's table."),
    """```
p, t = lorenz96_twin(D=20, L=12, sigma=0.4, N=80, dt=0.05, k=1, rule="trapezoid", seed=0)
anneal(p, betas=21, n_init=2, seed=0, maxiter=100).final_action.min()
```
About 1, with a single step per data interval, where Euler needed k = 8. A second-order
rule's error is already below the noise: a better layer map is worth more than many more
layers.""",
    answer=lambda: _nb04_level("trapezoid"), wrong=((lambda: _nb04_level("euler"), "Euler"),)))

_C043 = {"a": "The student's discretisation error is still larger than the noise.",
         "b": "Backpropagation clamps x(0) to the noisy inputs: with 40 training pairs the input "
              "noise adds estimation variance to the weights, which more pairs would remove.",
         "c": "The 200-layer student cannot represent the teacher.",
         "d": "The optimiser did not converge."}
_B.append(Exercise(
    "04.3", "choice", "Where the floor comes from",
    "Even a student with the teacher's exact 200 layers, trained by backpropagation, has a "
    "held-out error near σ. Which cause do the notebook's measurements point to?\n\n"
    + _options(_C043),
    _choice("b", _C043, {
        "a": "the teacher's own weights in a 100-layer student give a held-out error far "
             "below σ: discretisation is not the floor.",
        "c": "it has the teacher's exact form; the same pairs with clean inputs give a much "
             "smaller error.",
        "d": "every backprop start reports status 0 (converged)."},
        "With the discretisation error removed (the teacher's own weights in a 100-layer "
        "student) the error stays far below σ, and with clean inputs it falls: what is left "
        "is the input noise carried into the fitted weights, which shrinks with more pairs."),
    ("Which of the measurements changes only the inputs, and which only the number of pairs?",),
    """(b). Clean inputs with the same noisy outputs lower the held-out error well below the
noisy-input value, while the discretisation error alone is far below σ. The mechanism is
variance, not a bias: the systematic errors-in-variables attenuation is tiny here (about
σ²/var(u), 10⁻⁴), but noisy regressors make the fitted weights noisier, and with four times
the pairs the noisy-minus-clean gap shrinks. Annealing treats the inputs as states measured
with precision R_m and estimates them, which removes part of that noise.""",
    answer="b", wrong=(("a", "discretisation is not the floor"), ("d", "status 0"))))

# ---- 05: deepest learning
_B.append(Exercise(
    "05.1", "predict", "The order of the continuum limit",
    """The discrete annealing solution on n intervals converges to the BVP solution. With the
trapezoid rule for the model term **and** trapezoid weights (half weight at the two ends)
for the measurement term, what local slope log₂(e_n / e_2n) do you expect over the finest
pairs? (This one is theory; the notebook computes the slopes.)""",
    _number(lambda: 2.0, atol=0.1, mistakes=(
        (1.0, 0.15, "1 is what equal weights at every point give (a rectangle rule for the "
                    "measurement term); with the trapezoid quadrature both parts are second "
                    "order."),
        (-2.0, 0.15, "The local slope log₂(e_n / e_2n) is positive when the error falls."),
        (4.0, 0.3, "Hermite-Simpson would be fourth order; the trapezoid rule is second."))),
    ("Which is the lowest-order part: the rule or the quadrature of the data term?",),
    """2. The discretisation error is set by the lowest-order part of the discrete action.
The trapezoid rule is second order, and so is the trapezoid quadrature of the measurement
integral; equal weights at all points (a rectangle rule) would make it first order and
the local slopes fall towards 1 as n grows — a fit over all n would hide that turn.""",
    answer=2.0, wrong=((1.0, "rectangle rule"), (-2.0, "positive"))))

_B.append(Exercise(
    "05.2", "compute", "How much area does explicit Euler make?",
    """Compute the percent change of the cloud's area after 100 steps of h = 0.1 with
**explicit Euler** for the sine model of the notebook (`areas["explicit Euler"]`).""",
    _number(lambda: _sine_area_change("explicit Euler"), rtol=0.02, mistakes=(
        # tried first and tight: a fraction (-0.096) lies close to a symplectic map's 0 %
        (lambda: _sine_area_change("explicit Euler") / 100, 0.002,
         "That is explicit Euler's change as a fraction; the question asks for per cent: "
         "100 × (A_end / A_start - 1)."),
        (lambda: -_sine_area_change("explicit Euler"), 0.3,
         "The sign is flipped: compute A_end / A_start - 1 (end over start), which is "
         "negative when the area shrinks."),
        (lambda: _sine_area_change("symplectic Euler"), 0.01,
         "That is a symplectic map's change (about 0 %): use `areas[\"explicit Euler\"]`, "
         "not the symplectic Euler or midpoint cloud."))),
    ("The area at the start is `areas[\"explicit Euler\"][0]`, after 100 steps `[-1]`.",
     "A change in per cent is 100 × (end / start - 1)."),
    """```
a = areas["explicit Euler"]
100 * (a[-1] / a[0] - 1)
```
Explicit Euler's Jacobian has determinant 1 + O(h²) per step, not exactly 1, so the area
changes step after step. Symplectic Euler and the implicit midpoint rule satisfy
DΦᵀ 𝕁 DΦ = 𝕁 exactly (DΦ the map's Jacobian, 𝕁 the symplectic matrix); for D = 1 that is
det DΦ = 1, which keeps the area.""",
    answer=lambda: _sine_area_change("explicit Euler"),
    wrong=((lambda: _sine_area_change("symplectic Euler"), "symplectic map's change"),
           (lambda: _sine_area_change("explicit Euler") / 100, "as a fraction"),
           (lambda: -_sine_area_change("explicit Euler"), "sign is flipped"))))

_C053 = {"a": "Always.",
         "b": "Only in the limit R_f → ∞ with no data inside the interval (ℋ = π·F).",
         "c": "Only as h → 0.",
         "d": "Never: they are different methods."}
_B.append(Exercise(
    "05.3", "choice", "When is symplectic Euler backpropagation?",
    "Symplectic Euler for the data-assimilation Hamiltonian updates "
    "x' = x + h(F(x) + π'/R_f) and π' = π - h J(x)ᵀ π' (plus data terms). When is this pair "
    "exactly forward Euler plus backpropagation?\n\n" + _options(_C053),
    _choice("b", _C053, {
        "a": "at finite R_f the x update has the extra term hπ'/R_f.",
        "c": "the extra term is h π'/R_f: it vanishes with 1/R_f, not with h.",
        "d": "in the limit R_f → ∞ without data they coincide exactly."},
        "The term hπ'/R_f vanishes only as R_f → ∞, and data inside the interval would add "
        "jumps to π that backpropagation does not have."),
    ("Look at the x update: which term is not forward Euler?",),
    """(b). With R_f → ∞ the term hπ'/R_f vanishes and x' = x + hF(x) is forward Euler; with
no data inside the interval the π update is the backward recursion of backpropagation
with π = -λ. At finite R_f the path is not a forward pass: the momentum feeds back into
the states.""",
    answer="b", wrong=(("a", "extra term"), ("c", "not with h"))))

BANK_03_05 = _B
