"""Replenishment lead times: how many periods pass between placing and receiving an order.

The contract, :class:`LeadTimeModel`, is in :mod:`sim.leadtime.base` (with how periodic and
continuous review draw lead times); each model has its own module:
:mod:`~sim.leadtime.deterministic`, :mod:`~sim.leadtime.poisson`,
:mod:`~sim.leadtime.discrete` and :mod:`~sim.leadtime.shifted_gamma`. The models are
re-exported here, so ``sim.leadtime.Discrete`` (the ``_target_`` of
``conf/network/warehouse.yaml``) keeps one short path.
"""

from sim.leadtime.base import LeadTimeModel
from sim.leadtime.deterministic import Deterministic
from sim.leadtime.discrete import PROBABILITY_TOLERANCE, Discrete
from sim.leadtime.poisson import Poisson
from sim.leadtime.shifted_gamma import ShiftedGamma

__all__ = [
    "PROBABILITY_TOLERANCE",
    "Deterministic",
    "Discrete",
    "LeadTimeModel",
    "Poisson",
    "ShiftedGamma",
]
