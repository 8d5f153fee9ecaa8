"""Moving average (forecasters/moving_average.py)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.moving_average import MovingAverage


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"window": 0}, "window"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        MovingAverage(**kwargs)


def test_moving_average_forecasts_the_mean_of_the_last_window():
    y = np.arange(1.0, 11.0)[:, None] * np.array([1.0, 2.0])  # 1..10 and 2..20
    fc = MovingAverage(window=4).fit(y).predict(2)
    np.testing.assert_allclose(fc.mean, [[8.5, 17.0]] * 2, rtol=1e-12)  # the mean of 7..10


def test_moving_average_short_history_averages_every_period_seen():
    # one-step errors: 4 - 2 and 9 - (2 + 4) / 2, so sigma^2 = (2^2 + 6^2) / 2
    fc = MovingAverage(window=7).fit(np.array([[2.0], [4.0], [9.0]])).predict(1)
    assert fc.mean[0, 0] == 5.0
    np.testing.assert_allclose(fc.std[0, 0], np.sqrt(20.0), rtol=1e-12)
