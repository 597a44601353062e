"""Activations g of network layers and of the neural field, with g' and g''."""
from __future__ import annotations

import numpy as np

__all__ = ["ACTIVATIONS", "ACTIVATION_D2"]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


#: activations of network layers and the neural field: name -> (g(a), g'(a) from a and g)
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a, g: 1.0 - g * g),
    "sigmoid": (_sigmoid, lambda a, g: g * (1.0 - g)),
}

#: name -> g''(a) from g and g'
ACTIVATION_D2 = {
    "tanh": lambda g, dg: -2.0 * g * dg,
    "sigmoid": lambda g, dg: dg * (1.0 - 2.0 * g),
}
