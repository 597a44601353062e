"""The exercises of the data-assimilation notebooks: 00-02 and 06-07."""
from __future__ import annotations

import functools

import numpy as np

from ._bank_checks import (_choice, _integer, _meas_term_declared_sigma, _nakl_spikes, _nb00,
                           _nb00_minima, _nb00_ratio, _nb01_error, _nb02_at_level_L8,
                           _nb02_level_sigma, _nb02_nu, _number, _options)
from ._exercise import Exercise


_B = []

# ---- 00: a landscape you can see
_B.append(Exercise(
    "00.1", "predict", "How rugged with a wigglier map?",
    """The notebook's map is observed every k = 3 logistic steps, so g has four humps and the
landscape at the largest R_f has the minima counted above. **Predict** how many local minima
it has with **k = 2** (g has two humps), the same noise, seed and schedule; then count them:

```
twin2 = map_twin(k=2, sigma=0.05, seed=0)
answer = len(twin2.local_minima(schedule(1e-3 * twin2.Rm, 2.0, 21)[-1]))
```""",
    _integer(lambda: _nb00_minima(2), mistakes=lambda: {
        1: "One minimum is the landscape at *small* R_f (a single bowl around the data); at "
           "the largest R_f the valley follows the map's graph and every place where the "
           "graph passes near the data holds a minimum.",
        _nb00_minima(3): "That is the k = 3 landscape of the notebook; build `twin2` with k = 2.",
        2: "2 is the number of humps of g for k = 2, not the number of minima: a minimum sits "
           "where the valley (the graph of g) comes close to the data, and a hump can do "
           "that on its way up and again on its way down."}),
    ("Draw g for k = 2 in your head: f(f(x)) with f(x) = 4x(1 - x) rises and falls twice.",
     "Minima sit where the graph x(1) = g(x(0)) passes near the data point, on each side of "
     "a hump; run the two lines in the question."),
    """Fewer humps, fewer places where the valley comes near the data, fewer minima:

```
twin2 = map_twin(k=2, sigma=0.05, seed=0)
len(twin2.local_minima(schedule(1e-3 * twin2.Rm, 2.0, 21)[-1]))
```
The count grows with the number of humps, 2^(k-1), i.e. exponentially with the time between
measurements. That is why a chaotic model observed sparsely (Lorenz96 with few measured
components, notebook 02) has so many minima.""",
    answer=lambda: _nb00_minima(2),
    wrong=((1, "*small* R_f"), (lambda: _nb00_minima(3), "k = 3 landscape"))))

_B.append(Exercise(
    "00.2", "compute", "How much worse is the direct minimum?",
    """From the notebook's start (0.2, 0.2), annealing and the direct minimisation end at two
different minima of the same action (the largest R_f). By what **factor** is the direct
minimisation's final action larger than annealing's? Use `ann.action` and `direct.action`.""",
    _number(_nb00_ratio, rtol=0.01, mistakes=(
        (lambda: 1 / _nb00_ratio(), lambda: 0.01 / _nb00_ratio(),
         "Upside down: that is annealing's action over the direct one's (smaller than 1); "
         "the question asks how many times *larger* the direct minimum is."),
        (lambda: _nb00()[3].action[-1] - _nb00()[2].action[-1], 0.05,
         "That is the difference of the two actions; the question asks for their ratio."),
        (lambda: _nb00()[3].action[0] / _nb00()[2].action[-1], lambda: 0.01 * abs(
            _nb00()[3].action[0] / _nb00()[2].action[-1]),
         "`direct.action[0]` is the action at the *start*; the direct minimisation ends at "
         "`direct.action[-1]`."))),
    ("The last entry of each action array is where the minimisation ended: `[-1]`.",
     "`direct.action[-1] / ann.action[-1]`"),
    """```
direct.action[-1] / ann.action[-1]
```
About a thousand. Annealing ends at the lowest minimum, where the action is near the noise
level; the direct minimisation ends in a valley that passes the data at a distance, and the
action, a negative log-probability, says that path is e^(-ΔA₀) times less probable (notebook
06 makes this precise).""",
    answer=_nb00_ratio,
    wrong=((lambda: 1 / _nb00_ratio(), "Upside down"),
           (lambda: _nb00()[3].action[-1] - _nb00()[2].action[-1], "difference"))))

# ---- 01: data assimilation as a path problem
_B.append(Exercise(
    "01.1", "predict", "Declare the wrong noise",
    """The twin's measurements have noise σ = 0.4, and at the true path the normalised
measurement term is about 1. Build the *same* data into a problem that is told σ = 0.8
(so R_m = 1/0.8²). **Predict** the measurement term at the true path, then compute it:

```
told = da.Problem(problem.model, problem.data, problem.dt, observed=problem.observed, sigma=0.8)
answer = da.action(told, truth.x, Rf=1.0).meas
```""",
    _number(lambda: _meas_term_declared_sigma(0.8), rtol=0.03, mistakes=(
        (lambda: 2 * _meas_term_declared_sigma(0.8), 0.08,
         "The term is not linear in 1/σ: R_m = 1/σ² multiplies squared residuals, so doubling "
         "σ divides the term by four, not two."),
        (1.0, 0.12, "The normalisation uses the σ you *declare*, not the noise that is really "
         "in the data; a wrong σ shows up as a level away from 1."),
        (lambda: 16 * _meas_term_declared_sigma(0.8), 0.5,
         "Upside down: a larger declared σ means a *smaller* precision R_m = 1/σ²."))),
    ("The measurement term is R_m/(N L) Σ (x - y)² with R_m = 1/σ².",
     "At the true path x - y is the noise, of variance 0.4²; what is 0.4²/0.8²?"),
    """At the true path the residuals x - y are the measurement noise, with mean square
σ_true² = 0.16. The term is that mean square times R_m = 1/σ_declared²: 0.16/0.64 = 0.25
(the printed value differs from 0.25 by the sampling of the noise, as 1 does above).
A level far from 1 is how annealing tells you σ was misjudged.

```
told = da.Problem(problem.model, problem.data, problem.dt, observed=problem.observed, sigma=0.8)
da.action(told, truth.x, Rf=1.0).meas
```""",
    answer=lambda: _meas_term_declared_sigma(0.8),
    wrong=((0.5, "not linear in 1/σ"), (1.0, "the σ you *declare*"),
           (4.0, "Upside down"))))

_B.append(Exercise(
    "01.2", "compute", "Fewer measurements",
    """Repeat the notebook's single annealing run with **L = 8** observed components instead
of 12: the same twin otherwise (`lorenz96_twin(D=20, L=8, sigma=0.4, N=200, dt=0.025,
seed=0)`) and the same call `anneal(problem, betas=21, Rf0=0.01, alpha=2.0, n_init=1,
seed=1)`. What is the rms error of the *unobserved* components against the truth?""",
    _number(lambda: _nb01_error(8, "unobserved"), rtol=0.02, mistakes=(
        (lambda: _nb01_error(8, "observed"), 0.005,
         "That is the error of the *observed* components: use `problem.unobserved`."),
        (lambda: _nb01_error(8, "data"), 0.005,
         "That compares the estimate with the data; the question asks against the truth "
         "(`truth.x`)."),
        (lambda: _nb01_error(12, "unobserved"), 0.005,
         "That is the L = 12 run of the notebook; make a new twin with L = 8."))),
    ("`problem, truth = lorenz96_twin(D=20, L=8, ...)`, then anneal it as in the notebook.",
     "`rms(result.paths[0], truth.x, problem.unobserved)`"),
    """```
problem8, truth8 = lorenz96_twin(D=20, L=8, sigma=0.4, N=200, dt=0.025, seed=0)
r8 = anneal(problem8, betas=21, Rf0=0.01, alpha=2.0, n_init=1, seed=1)
rms(r8.paths[0], truth8.x, problem8.unobserved)
```
Between L = 12 (well below σ) and L = 6 (above 1, a wrong local minimum) lies the marginal
region: with 8 of 20 components measured a single start may or may not find the consistent
minimum. Notebook 02 counts how many of several starts do.""",
    answer=lambda: _nb01_error(8, "unobserved"),
    wrong=((lambda: _nb01_error(8, "observed"), "*observed*"),
           (lambda: _nb01_error(12, "unobserved"), "L = 12 run"))))

_C013 = {"a": "The unobserved components were started near the truth.",
         "b": "The model term couples each unobserved component to measured neighbours, so "
              "even a small R_f pulls it towards values consistent with them.",
         "c": "The measurement term includes every component, observed or not.",
         "d": "The optimiser stopped early, by luck near the truth."}
_B.append(Exercise(
    "01.3", "choice", "Why is the hidden part already close?",
    "At the smallest R_f the unobserved components are already within σ of the truth, "
    "although nothing measures them. Why? Answer with a letter, e.g. `answer = \"a\"`.\n\n"
    + _options(_C013),
    _choice("b", _C013, {
        "a": "they start uniformly in [-10, 10], far from the truth.",
        "c": "the measurement term sums over the observed components only.",
        "d": "every minimisation converges (the notebook asserts it); it is the minimum of "
             "the action that is close."},
        "Only the model term mentions the unobserved components, and Lorenz96 ties each to "
        "measured neighbours, so even a weak model term places them."),
    ("Which term of the action mentions the unobserved components at all?",
     "Lorenz96 couples x_a to x_{a-2}, x_{a-1} and x_{a+1}."),
    """(b). Only the model term involves the unobserved components. Even when R_f is small,
it is the only thing acting on them, so their minimum is wherever the model, given the
measured neighbours, wants them. With L = 12 every unobserved component has measured
neighbours; with L = 6 some do not, and the model term alone no longer pins them down.""",
    answer="b", wrong=(("a", "far from the truth"), ("c", "observed components only"))))

# ---- 02: precision annealing
_B.append(Exercise(
    "02.1", "predict", "The marginal case",
    """The next section repeats the experiment for L = 4 ... 14 observed components, five
starts each. **Before you run it**: at **L = 8**, how many of the five starts will end inside
the expected level's band (1 - p_eff/(N_m L) ± 3 sd)? Write your guess, run the sweep, then count them
(`frac[8]` is a fraction of five) and check.""",
    _integer(_nb02_at_level_L8, mistakes={
        5: "All five is what L ≥ 10 gives; at L = 8 the levels split.",
        0: "None is the L ≤ 6 case; at L = 8 some starts do make it."}),
    ("The notebook asserts 0 < frac[8] < 1.", "`round(frac[8] * 5)`"),
    """Read it off the sweep: `round(frac[8] * 5)`. Some but not all starts reach the
consistent level: with 8 of 20 components measured the action has several deep minima,
and which one annealing follows depends on the start. That is why the method uses many
starts and looks at the *lowest* level that is consistent with the noise.""",
    answer=_nb02_at_level_L8, wrong=((5, "L ≥ 10"), (0, "L ≤ 6"))))

_B.append(Exercise(
    "02.2", "compute", "Read ν at the plateau",
    """Run the group's forcing estimate (`preset = get_preset("varanneal-nu")`, annealed
with `preset.anneal.kwargs()`) and give the estimate ν̂ of the best start **after the
action has levelled off**.""",
    _number(lambda: _nb02_nu().param_estimates()["nu"], atol=0.005, mistakes=(
        (8.17, 0.005, "8.17 is the true forcing used to make the data; the question asks "
                      "for the *estimate* from the annealing."),
        (lambda: float(_nb02_nu().params[len(_nb02_nu().betas) // 2, _nb02_nu().best, 0]),
         0.004, "That is ν halfway through the schedule, before the plateau: read it after "
                "the last β."),
        (lambda: 7.0, 1.0, "Your ν̂ is far from the plateau's value: did you anneal to the "
                          "last β, and read the best start (`param_estimates()`)?"))),
    ("`r_nu.param_estimates()[\"nu\"]` reads the best start at the last β.",
     "Check the plateau first: the action and ν must stop moving over the last R_f decade."),
    """```
preset = get_preset("varanneal-nu")
p_nu, t_nu = preset.make()
r_nu = anneal(p_nu, **preset.anneal.kwargs())
r_nu.param_estimates()["nu"]
```
The estimate differs from the true 8.17 by a few hundredths: it is what these noisy data
support, not the truth. Read too early in the schedule and ν is still moving.""",
    answer=lambda: _nb02_nu().param_estimates()["nu"],
    wrong=((8.17, "true forcing"), (6.9, "did you anneal to the last β"))))

_C023 = {"a": "It still levels off near 1, only later.",
         "b": "It rises, then levels off far above 1: the path becomes an exact Euler "
              "trajectory, the misfit moves into the measurement term, and the plateau's "
              "height measures the rule's model error.",
         "c": "It falls towards 0: Euler fits the data better.",
         "d": "It keeps rising with R_f without bound: enforcing a wrong discrete model more "
              "strictly costs more and more."}
_B.append(Exercise(
    "02.3", "choice", "A coarser rule",
    "In the explorer, switch the rule from `trapezoid` to `euler` (N = 100, Δt = 0.025). What "
    "happens to the action level as R_f grows? Predict, try it, then answer with a letter.\n\n"
    + _options(_C023),
    _choice("b", _C023, {
        "a": "a level near 1 needs a model path through the data within the noise; the Euler "
             "model at this step has none.",
        "c": "the data term cannot fall below the noise, and the model term grows.",
        "d": "it cannot rise without bound: at every R_f the minimum is at most the action of "
             "the best exact Euler trajectory (model term zero), so it levels off. Run to "
             "beta = 50."},
        "The minimum can never exceed the action of the best exact Euler trajectory, whose "
        "model term is zero, so the curve levels off; that trajectory misses the data by "
        "more than the noise, so it levels off far above 1."),
    ("Forward Euler's error per step is O(h²), the trapezoid rule's O(h³).",
     "At any R_f the minimum is at most the action of the best path that satisfies the Euler "
     "model exactly (its model term is zero). What does that bound do as R_f grows?"),
    """(b). At large R_f the path must satisfy the discrete Euler model almost exactly, and
no Euler trajectory passes through the data within the noise at this step size. The level
rises while R_f forces the path onto Euler's model, but it can never exceed the measurement
term of the best exact Euler trajectory: annealed on to β = 50 (R_f = 0.01·2⁵⁰) it levels
off at 14.33, flat to four digits from β ≈ 38, and every start ends there. A plateau far
above the expected level (0.98 here) is the signature of model error, and its height
measures it (the wrong ν of the notebook's "A wrong model" levels off the same way).
Notebook 04 shows the cure: more model steps between data (a finer grid), which for a
network means more layers.""",
    answer="b", wrong=(("a", "a model path through the data"),
                       ("d", "cannot rise without bound"))))

_B.append(Exercise(
    "02.4", "predict", "Noisier data, same level?",
    """Raise the noise to **σ = 1.0** for the L = 12 twin (`lorenz96_twin(D=20, L=12,
sigma=1.0, N=100, seed=0)`, annealed with `betas=21, n_init=5, seed=0, maxiter=100`).
**Predict** where the lowest action level sits, then compute it
(`result.final_action.min()`).""",
    _number(lambda: _nb02_level_sigma(1.0), atol=0.03, mistakes=(
        (6.25, 1.5, "The action is normalised with the σ you give (R_m = 1/σ²): noisier "
                    "data do not raise the level by (1/0.4)²."),
        (0.0, 0.3, "The level does not vanish: the measurement term sits near its "
                   "statistical value, about 1, whatever σ is."))),
    ("What does R_m = 1/σ² do to the measurement term at the true path?",
     "The notebook's level for σ = 0.4 is a little under 1."),
    """A little under 1, as for σ = 0.4: the normalisation R_m = 1/σ² puts the measurement
term at about 1 for any noise level, and a consistent minimum fits a small part of the
noise, so it sits slightly lower. The *errors* of the estimate grow with σ; the level
does not.""",
    answer=lambda: _nb02_level_sigma(1.0), wrong=((6.25, "(1/0.4)²"), (0.0, "does not vanish"))))

BANK_00_02 = _B


_B = []

# ---- 06: beyond the minimum
@functools.lru_cache(maxsize=None)
def _nb06_n_meas() -> int:
    from ..problem import lorenz96_twin
    return int(lorenz96_twin(D=10, L=6, sigma=0.5, N=60, dt=0.025, seed=0).problem.n_meas)


def _log10_ratio(gap: float) -> float:
    return -(_nb06_n_meas() / 2) * gap / np.log(10)


_B.append(Exercise(
    "06.1", "compute", "A small gap as a probability",
    """For the notebook's Laplace problem (D = 10, L = 6, σ = 0.5, 60 times), two minima differ
by ΔA = 0.01 in the plotted action, at large R_f. What is the base-10 logarithm of the
ratio of the posterior *densities* at the two minima, P(higher) / P(lower)?""",
    _number(lambda: _log10_ratio(0.01), atol=0.02, mistakes=(
        (lambda: _log10_ratio(0.01) * np.log(10), 0.05,
         "That is the natural logarithm: divide by ln 10 for log₁₀."),
        (lambda: 2 * _log10_ratio(0.01), 0.05,
         "A0 has R_m/2: the factor is N_m L / 2, not N_m L."),
        (lambda: -_log10_ratio(0.01), 0.05,
         "The higher level is the *less* probable one: the logarithm is negative."))),
    ("The ratio is about exp(-(N_m L / 2) ΔA); `problem.n_meas` is N_m L.",
     "Here N_m L = 60 · 6 = 360."),
    """-(360 / 2) · 0.01 / ln 10 ≈ -0.78: the higher minimum is about 6 times less probable.
A gap that looks negligible on the level plot matters when many numbers are measured; the
notebook's gap of 2.1 with 180 measured numbers is a factor of about 10⁸². (The ratio of the
levels' probability *masses* also carries det(H)^(-1/2) of each: `da.log_evidence`.)""",
    answer=lambda: _log10_ratio(0.01),
    wrong=((lambda: _log10_ratio(0.01) * np.log(10), "natural logarithm"),
           (lambda: -_log10_ratio(0.01), "negative"))))

_C062 = {"a": "It halves.", "b": "It shrinks by about √2.", "c": "It does not change.",
         "d": "It grows: more data, more noise."}
_B.append(Exercise(
    "06.2", "choice", "A longer window",
    "Double the window (N = 120 instead of 60 measurement times, same σ). What do you expect "
    "for the Laplace error bar on ν?\n\n" + _options(_C062),
    _choice("b", _C062, {
        "a": "halving needs four times the data: the bar scales like 1/√(number of measurements).",
        "c": "the curvature of A0 in ν grows with every measurement that depends on ν.",
        "d": "each measurement adds to the curvature of A0; the bar is its inverse square root."},
        "The curvature in ν is a sum over measurement times: twice the window, about twice "
        "the curvature, a bar 1/√2 as wide."),
    ("The curvature of A0 in ν is a sum over measurement times.",),
    """(b). The curvature H_νν (after the Schur complement) is a sum of contributions from the
measurement times, so it roughly doubles with the window, and the standard deviation
1/√(curvature) shrinks by about √2. (Chaos can make a longer window worth more than that:
errors in ν accumulate along the path.) Try it in "More to try".""",
    answer="b", wrong=(("a", "four times the data"), ("c", "curvature"))))

# ---- 07: a neuron from its voltage
_C071 = {"a": "m, the fast sodium activation", "b": "h, the sodium inactivation",
         "c": "n, the potassium activation", "d": "all three equally"}
_B.append(Exercise(
    "07.1", "choice", "The hardest gate",
    "Only V is measured. Which gating variable does the 40 ms fit recover *worst*, and why "
    "is that the one you would expect?\n\n" + _options(_C071),
    _choice("b", _C071, {
        "a": "m is fast (τ_m ≤ 0.5 ms): it follows m∞(V) closely, so V pins it down.",
        "c": "n is recovered about as well as m here (rms about 0.01).",
        "d": "the notebook's rms errors differ by several times between the gates."},
        "h is slow (τ_h up to 8 ms), so its value depends on the voltage history, which three "
        "spikes barely sample; fast m follows V directly."),
    ("Compare the time constants: τ_m ≤ 0.5 ms, τ_h up to 8 ms, τ_n up to 6 ms.",
     "The notebook prints the three gates' rms errors."),
    """(b), h. A gate that is fast follows its steady state z∞(V), which V determines; h is
slow (τ_h = t1h + t2h up to 8 ms), so its value depends on the voltage history. Slowness
alone does not explain it: n is almost as slow (τ_n up to 6 ms) and is recovered several
times better. The error bars of the notebook say why: h's own kinetics (dVh, t2h) are the
parameters the 40 ms determine worst, and h trades off against gNa in the sodium current
gNa m³ h, so a path with a different h and a different gNa fits V almost as well.""",
    answer="b", wrong=(("a", "m is fast"), ("d", "differ by several times"))))

_B.append(Exercise(
    "07.2", "predict", "A weaker stimulus",
    """Make the injected current weaker: `preset.make(N=2000, n_future=0,
stimulus={"amplitude": 3.0})`. **Predict**, then count: how many spikes (upward crossings of
0 mV) does the true neuron fire in the 40 ms window?""",
    _integer(lambda: _nakl_spikes(3.0), mistakes=lambda: {
        _nakl_spikes(None): "That is the count for the notebook's default stimulus; make the "
                            "twin with amplitude 3.",
        0: "It still spikes: a weaker current crosses threshold less often, not never."}),
    ("`V = truth.x[0]; int(np.sum((V[1:] > 0) & (V[:-1] <= 0)))`",),
    """```
p3, t3 = preset.make(N=2000, n_future=0, stimulus={"amplitude": 3.0})
V = t3.x[0]
int(np.sum((V[1:] > 0) & (V[:-1] <= 0)))
```
Fewer spikes than the notebook's three: less of the voltage range is visited, so less of the
sodium and potassium kinetics is probed, and the parameters that describe them become
harder to identify from V alone. Try annealing this twin and compare the estimates.""",
    answer=lambda: _nakl_spikes(3.0),
    wrong=((lambda: _nakl_spikes(None), "default stimulus"), (0, "not never"))))

BANK_06_07 = _B
