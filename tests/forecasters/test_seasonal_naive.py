"""Seasonal naive (forecasters/seasonal_naive.py)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.seasonal_naive import SeasonalNaive


def test_seasonal_naive_short_history_falls_back_to_last_value():
    y = np.array([[1.0], [2.0], [3.0]])
    fc = SeasonalNaive(season_length=7).fit(y).predict(9)
    # Periods 3..6 of the season were never seen: last value; 7, 8, 9 repeat periods 0, 1, 2.
    np.testing.assert_array_equal(fc.mean[:, 0], [3, 3, 3, 3, 1, 2, 3, 3, 3])
    assert np.all(np.isfinite(fc.std))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"season_length": 0}, "season_length"),
        ({"season_length": 7.0}, "season_length"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        SeasonalNaive(**kwargs)
