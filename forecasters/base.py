"""The forecast that a policy may receive at a review epoch.

Forecasters (fitted on demand history of shape ``(n_periods, n_skus)``, never on data
after the decision time) produce a :class:`Forecast`. Policies take it as an optional
second argument to ``order_quantity``; the classic policies of ``policies/`` ignore it
and plan from the scenario's demand model instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Forecast:
    """Demand forecast for all SKUs of a node, made at ``time``.

    ``mean`` has shape ``(h, n_skus)``: the expected demand of each of the next ``h``
    periods. ``protection_mean`` and ``protection_std`` describe demand summed over the
    protection interval (shape ``(n_skus,)``) when the forecaster can tell it.
    """

    time: float
    mean: np.ndarray
    protection_mean: np.ndarray | None = None
    protection_std: np.ndarray | None = None
