"""Calendar regressors: what is known about a period from its index alone.

Period ``p`` is an absolute index (period 0 is the simulation's first period and weekday 0;
negative periods are the history before it). The columns, any of them optional:

* an intercept;
* day-of-week dummies: ``1[p mod 7 = d]`` for ``d = 1..6`` (weekday 0 is the baseline);
* yearly Fourier terms: ``sin(2 pi k p / 365.25)``, ``cos(2 pi k p / 365.25)`` for
  ``k = 1..K`` -- a few smooth harmonics stand in for a season too long for dummies
  (Hyndman & Athanasopoulos 2021, *Forecasting: Principles and Practice*, 3rd ed., Sec. 7.4
  and 12.1, "Fourier terms");
* a linear trend in years, ``p / 365.25``.

Shared by the GLM forecaster (its own design matrix) and the simulation's exogenous
regressors (``sim/forecasting.py``); no statistics library is imported here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["YEAR", "calendar_features", "calendar_names"]

YEAR = 365.25


def calendar_features(
    periods: np.ndarray,
    *,
    weekly: bool = True,
    fourier_terms: int = 2,
    trend: bool = True,
    intercept: bool = True,
) -> np.ndarray:
    """The calendar columns of absolute periods ``periods``, ``(len(periods), n_features)``,
    in the order of :func:`calendar_names`; see the module docstring."""
    p = np.asarray(periods, dtype=float)
    cols = [np.ones_like(p)] if intercept else []
    if weekly:
        dow = np.mod(np.asarray(periods, dtype=np.int64), 7)
        cols += [(dow == d).astype(float) for d in range(1, 7)]
    for k in range(1, fourier_terms + 1):
        angle = 2.0 * np.pi * k * p / YEAR
        cols += [np.sin(angle), np.cos(angle)]
    if trend:
        cols.append(p / YEAR)
    if not cols:
        return np.empty((p.shape[0], 0))
    return np.column_stack(cols)


def calendar_names(
    *, weekly: bool = True, fourier_terms: int = 2, trend: bool = True, intercept: bool = True
) -> list[str]:
    """Names of the columns :func:`calendar_features` returns with the same arguments."""
    names = ["intercept"] if intercept else []
    if weekly:
        names += [f"weekday_{d}" for d in range(1, 7)]
    for k in range(1, fourier_terms + 1):
        names += [f"year_sin_{k}", f"year_cos_{k}"]
    if trend:
        names.append("trend")
    return names
