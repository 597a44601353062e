"""A landscape you can see: the action of a two-unknown path of the logistic map, small enough
to draw whole, with its minima, an annealing path and a direct minimisation (notebook 00)."""
from ._landscape import (Descent, MapTwin, anneal_path, direct_path, map_twin, schedule,
                         starts_reaching)

__all__ = ["MapTwin", "map_twin", "Descent", "schedule", "anneal_path", "direct_path",
           "starts_reaching"]
