"""Feedforward and recurrent networks as data assimilation problems: the layer index is time.

A network of fixed width D maps layer l to l+1 by

    residual:  x(l+1) = x(l) + h g(W(l) x(l) + b(l)),   h = T / n_layers   (a ResNet / Euler step)
    plain:     x(l+1) = g(W(l) x(l) + b(l))

Weights W(l), b(l) are the time-dependent parameters (``shared=True``: one W, b for every
layer, a recurrent network, i.e. static parameters).  K training pairs are K repeated
experiments; inputs are measured at layer 0 and outputs at layer n_layers.  The action over
states X (K, n_layers + 1, D) and weights θ is

    A = Rm / (K (n_in + n_out)) Σ_k [ |x^k(0)_in - u^k|² + |x^k(n_layers)_out - v^k|² ]
      + Rf / (K n_layers D)     Σ_k Σ_l |x^k(l+1) - f(x^k(l), W(l))|²

R_f → ∞ slaves the hidden states to the input states x(0) but leaves x(0) free, measured
with precision R_m; ordinary training also clamps x(0) = u, the limit R_m,in → ∞ as well.
The two differ when the inputs are noisy (errors in variables).  Ordinary training is
:meth:`NetworkProblem.strong_loss_grad`, whose gradient is backpropagation written as the
backward recursion of λ(l) = ∂loss/∂x(l) (the canonical momentum is π = -λ).
θ layout: for each weight set, W (D, D) row-major, then V (D, n_drive) for a driven network,
then b (D,); with ``biases=False`` the biases are zero and θ holds W (and V) only.

A recurrent network driven by an input sequence u(l) (``Network(..., shared=True,
n_drive=m)``), a(l) = W x(l) + V u(l) + b, observed at every layer
(:meth:`NetworkProblem.from_layers`, a mask over pair, layer and node) is the network
analogue of data at every time: its measurement term sums every measured (k, l, node).
:func:`driven_twin` makes such a teacher and its data.
"""
from ..models import ACTIVATIONS
from ._architecture import Network
from ._classify import Classification, classifier_problem
from ._backprop import TrainResult, strong_loss_grad, train_backprop, weak_weight_gradient
from ._measurement import EndsMeasurement, LayerMeasurement
from ._problem import NetworkProblem
from ._datasets import iris_path, load_digits, load_iris, split_stratified
from ._digits import DIGITS_ANNEAL, DIGITS_DEFAULTS, digits_problem, train_digits
from ._starts import (StartsComparison, compare_starts, load_comparison, minima_problem,
                      starting_weights, train_adam)
from ._twin import DrivenTwin, NetworkTwin, check_network_memory, driven_twin, network_twin

__all__ = ["check_network_memory", "Network", "NetworkProblem", "EndsMeasurement",
           "LayerMeasurement", "NetworkTwin", "network_twin", "DrivenTwin",
           "driven_twin", "TrainResult",
           "train_backprop", "strong_loss_grad", "weak_weight_gradient", "ACTIVATIONS",
           "Classification", "classifier_problem", "load_iris", "iris_path", "split_stratified",
           "load_digits", "train_adam", "starting_weights",
           "StartsComparison", "compare_starts", "minima_problem", "load_comparison",
           "digits_problem", "train_digits", "DIGITS_DEFAULTS", "DIGITS_ANNEAL"]
