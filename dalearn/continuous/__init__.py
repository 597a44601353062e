"""Deepest learning: the layer (time) label taken continuous.

Action  A = ∫ dt [ Rm(t)/2 Σ_l (x_l - y_l(t))² + Rf/2 |ẋ - F(x)|² ]  (+ end-point terms).
Canonical momentum π = ∂L/∂ẋ = Rf (ẋ - F) (code: ``pi``; ``p`` is always the model's
parameters); Hamiltonian
    H(x, π) = π·F(x) + |π|²/(2 Rf) - Rm/2 Σ_l (x_l - y_l)²
and Hamilton's (Euler-Lagrange) equations
    ẋ = F(x) + π / Rf,      π̇ = -J(x)ᵀ π + Rm (x - y)   (observed components).
Boundary conditions from the end terms: π = 0 at a free end; with a measurement
Φ = Rm_end/2 |x - u|² at an end, π(t0) = Rm0 (x(t0) - u) and π(tF) = -RmF (x(tF) - v).

Six concerns, one module each:

- ``_hamiltonian``: :class:`Hamiltonian` (H, its vector field, the Lagrangian)
- ``_bvp``: the two-point boundary value problem by collocation with continuation in Rf,
  and the discrete problem whose action is the continuous one (:func:`continuum_problem`)
- ``_maps``: discrete maps of (x, π) (symplectic Euler, implicit midpoint, explicit Euler),
  their exact Jacobians and symplecticity error, phase-space clouds and areas
- ``_jumps``: data at discrete times (delta functions in Rm(t)): π jumps by Rm (x(τ) - y)
  at each measurement time (:func:`solve_euler_lagrange_jumps`)
- ``_train``, ``_train_bvp``: training in continuous layers: a neural ODE's weights from the
  full boundary value problem (:func:`train_ode_bvp`) against backprop through the ODE
  (:func:`train_ode_adjoint`)
- ``_adjoint``: gradients of a strong-constraint cost by discrete backprop and by continuous
  adjoints (λ = ∂C/∂x = -π)
"""
from ._adjoint import adjoint_gradient, adjoint_path, euler_backprop_gradient, final_state_cost
from ._bvp import BVPResult, EndMeasurement, continuum_problem, solve_euler_lagrange
from ._hamiltonian import Hamiltonian
from ._jumps import JumpResult, solve_euler_lagrange_jumps
from ._train import NeuralODE, ODETraining, ODETwin, ode_twin, train_ode_adjoint
from ._train_bvp import (BVPTraining, layer_weights_flow, layer_weights_heldout_error,
                         train_ode_bvp)
from ._maps import (MAPS, explicit_euler_step, implicit_midpoint_step, map_jacobian,
                    polygon_area, push_cloud, symplectic_euler_step, symplecticity_error)

__all__ = ["Hamiltonian", "BVPResult", "EndMeasurement", "solve_euler_lagrange",
           "continuum_problem", "symplectic_euler_step", "implicit_midpoint_step",
           "explicit_euler_step", "MAPS", "map_jacobian", "symplecticity_error", "push_cloud",
           "polygon_area", "euler_backprop_gradient", "adjoint_gradient", "adjoint_path",
           "final_state_cost", "JumpResult", "solve_euler_lagrange_jumps", "NeuralODE",
           "ODETwin", "ode_twin", "ODETraining", "train_ode_adjoint", "BVPTraining",
           "train_ode_bvp", "layer_weights_flow", "layer_weights_heldout_error"]
