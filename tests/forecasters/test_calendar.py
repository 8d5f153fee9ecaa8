"""Calendar regressors (forecasters/calendar.py): their values on known periods."""

from __future__ import annotations

import numpy as np

from forecasters.calendar import YEAR, calendar_features, calendar_names


def test_calendar_features_on_known_periods():
    names = calendar_names(fourier_terms=1)
    assert names == ["intercept", *(f"weekday_{d}" for d in range(1, 7))] + [
        "year_sin_1",
        "year_cos_1",
        "trend",
    ]
    x = calendar_features(np.array([0, 8, -1]), fourier_terms=1)
    assert x.shape == (3, len(names))
    first, eighth, before = (dict(zip(names, row, strict=True)) for row in x)
    # period 0 is weekday 0 (the baseline), day 0 of the year and of the trend
    assert first["intercept"] == 1.0 and first["year_cos_1"] == 1.0
    assert first["year_sin_1"] == first["trend"] == 0.0
    assert all(first[f"weekday_{d}"] == 0.0 for d in range(1, 7))
    # period 8 is weekday 1; period -1, the last of the history, weekday 6
    assert [eighth[f"weekday_{d}"] for d in range(1, 7)] == [1.0, 0, 0, 0, 0, 0]
    assert [before[f"weekday_{d}"] for d in range(1, 7)] == [0, 0, 0, 0, 0, 1.0]
    np.testing.assert_allclose(eighth["year_sin_1"], np.sin(2 * np.pi * 8 / YEAR), rtol=1e-12)
    np.testing.assert_allclose(before["trend"], -1 / YEAR, rtol=1e-12)


def test_calendar_features_repeat_after_a_year_of_whole_weeks():
    # 7 x 365.25 x 4 periods later, weekday and yearly terms are back where they were
    x = calendar_features(np.array([3, 3 + 7 * 1461]), trend=False)
    np.testing.assert_allclose(x[0], x[1], atol=1e-9)


def test_no_columns_gives_an_empty_table():
    x = calendar_features(np.arange(3), weekly=False, fourier_terms=0, trend=False, intercept=False)
    assert x.shape == (3, 0)
    assert calendar_names(weekly=False, fourier_terms=0, trend=False, intercept=False) == []
