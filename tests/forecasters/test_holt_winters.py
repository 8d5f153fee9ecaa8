"""Holt-Winters (forecasters/holt_winters.py): statsmodels agreement (Holt's linear trend
too), multiplicative seasons on intermittent demand, short histories and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasters.base import check_forecaster
from forecasters.holt import Holt
from forecasters.holt_winters import HoltWinters
from tests.forecasters.helpers import (
    seasonal_demand,
)


@pytest.mark.parametrize(
    ("seasonal", "trend"),
    [("additive", True), ("multiplicative", True), ("additive", False), ("multiplicative", False)]
    + [(None, True)],  # Holt
)
def test_holt_winters_agrees_with_statsmodels_exponential_smoothing(seasonal, trend):
    y, m, h = seasonal_demand(), 7, 17
    params = {"alpha": 0.3, "beta": 0.1 if trend else None, "gamma": 0.2}
    if seasonal is None:
        model = Holt(alpha=0.3, beta=0.1).fit(y)
    else:
        model = HoltWinters(**params, seasonal=seasonal, trend=trend, season_length=m).fit(y)
    init = model.initial_state_
    fitted, fc = model.fitted_values(), model.predict(h).mean
    for i in range(y.shape[1]):
        res = ExponentialSmoothing(
            y[:, i],
            trend="add" if trend else None,
            seasonal=None if seasonal is None else seasonal[:3],
            seasonal_periods=None if seasonal is None else m,
            initialization_method="known",
            initial_level=init.level[i],
            initial_trend=init.trend[i] if trend else None,
            initial_seasonal=None if seasonal is None else init.season[:, i],
        ).fit(
            smoothing_level=params["alpha"],
            smoothing_trend=params["beta"],
            smoothing_seasonal=None if seasonal is None else params["gamma"],
            optimized=False,
        )
        np.testing.assert_allclose(fitted[:, i], res.fittedvalues, rtol=0, atol=1e-8)
        steps = np.arange(1, h + 1)
        # statsmodels 0.15.0 uses a stale seasonal index at horizons that are multiples of
        # m (statsmodels issue #9538, fixed by PR #10230): compare the others directly ...
        ok = steps % m != 0 if seasonal is not None else steps > 0
        np.testing.assert_allclose(fc[ok, i], res.forecast(h)[ok], rtol=0, atol=1e-8)
        # ... and all horizons with FPP3's forecast equation on statsmodels' final states.
        base = res.level[-1] + (steps * res.trend[-1] if trend else 0.0)
        if seasonal is not None:
            s = res.season[-m:][(steps - 1) % m]
            base = base * s if seasonal == "multiplicative" else base + s
        np.testing.assert_allclose(fc[:, i], base, rtol=0, atol=1e-8)


def test_check_forecaster_multiplicative_holt_winters_on_intermittent_demand():
    # The guarded recursion stays finite on demand with many zeros.
    rng = np.random.default_rng(4)
    y = rng.poisson(0.3, (120, 20)).astype(float)
    check_forecaster(HoltWinters(seasonal="multiplicative"), y)
    check_forecaster(HoltWinters(alpha=0.5, beta=0.4, gamma=0.3, seasonal="multiplicative"), y)


def test_holt_winters_short_history_raises_naming_season_length():
    with pytest.raises(ValueError, match=r"season_length\(=7\)"):
        HoltWinters().fit(np.ones((6, 2)))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"gamma": 2.0}, "gamma"),
        ({"season_length": 1}, "season_length"),
        ({"seasonal": "mult"}, "seasonal"),
        ({"trend": "yes"}, "trend"),
        ({"trend": False, "beta": 0.1}, "beta"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        HoltWinters(**kwargs)
