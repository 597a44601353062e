"""Named experiments: the group's and our published settings as presets, and the studies
(sweeps over observations, errors in variables) the notebooks and the CLI share."""
from ._presets import (GROUP, GROUP_NETWORK, NETWORK_PRESETS, OURS, OURS_NETWORK, PRESETS,
                       NetworkPreset, Preset, get_preset, group_network_Rf0)
from ._studies import (SWEEP_SCHEDULE, SWEEP_TWIN, ErrorsInVariables, ObservationSweep,
                       at_expected_level, errors_in_variables, sweep_observations)

__all__ = ["Preset", "OURS", "GROUP", "PRESETS", "NetworkPreset", "OURS_NETWORK",
           "GROUP_NETWORK", "NETWORK_PRESETS", "get_preset", "group_network_Rf0",
           "ObservationSweep", "sweep_observations", "at_expected_level", "SWEEP_TWIN",
           "SWEEP_SCHEDULE", "ErrorsInVariables", "errors_in_variables"]
