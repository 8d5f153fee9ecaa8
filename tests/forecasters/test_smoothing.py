"""The shared smoothing plumbing (forecasters/smoothing.py): psi weights and predictive
spreads against Hyndman et al.'s closed forms, the recursive forecasters' guards, and the
recursions written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.naive import Naive
from forecasters.ses import SES
from forecasters.smoothing import initial_state, predictive_std, smoothing_psi


def test_holt_winters_psi_weights_are_ets_aaa():
    # Hyndman et al. (2008), Table 6.1: psi_j = alpha + alpha beta j + gamma [j mod m = 0].
    psi = smoothing_psi(15, np.array([0.3]), np.array([0.1]), np.array([0.2]), 7)[:, 0]
    j = np.arange(15)
    expected = np.where(j == 0, 1.0, 0.3 + 0.03 * j + 0.2 * ((j % 7 == 0) & (j > 0)))
    np.testing.assert_allclose(psi, expected, rtol=1e-12)
    # Naive: random walk, Var of the k-period sum = sigma^2 (1^2 + ... + k^2).
    _, sum_std = predictive_std(np.ones((4, 1)), np.array([2.0]))
    np.testing.assert_allclose(sum_std[:, 0], 2.0 * np.sqrt([1, 5, 14, 30]), rtol=1e-12)


def test_predict_before_fit_and_bad_update_raise():
    with pytest.raises(RuntimeError, match="not fitted"):
        SES().predict(3)
    model = Naive().fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="3"):
        model.update(np.ones(2))
    with pytest.raises(ValueError, match="h"):
        model.predict(0)


def test_initial_state_without_season_is_a_line_through_the_first_ten_periods():
    y = np.column_stack([4.0 + 0.5 * np.arange(1.0, 21.0), np.full(20, 7.0)])
    state = initial_state(y, trend=True)
    np.testing.assert_allclose(state.level, [4.0, 7.0], rtol=1e-12)  # its value at period 0
    np.testing.assert_allclose(state.trend, [0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(initial_state(y, trend=False).level, y[:10].mean(axis=0))


def test_initial_seasons_are_centred_additive_or_average_one_multiplicative():
    pattern = np.array([1.0, -2.0, 3.0, -2.0])  # sums to 0
    additive = initial_state(
        (10.0 + np.tile(pattern, 4))[:, None], trend=False, seasonal="additive", season_length=4
    )
    np.testing.assert_allclose(additive.level, [10.0], rtol=1e-12)
    np.testing.assert_allclose(additive.season[:, 0], pattern, atol=1e-12)
    multiplicative = initial_state(
        (10.0 * (1 + 0.1 * np.tile(pattern, 4)))[:, None],
        trend=False,
        seasonal="multiplicative",
        season_length=4,
    )
    np.testing.assert_allclose(multiplicative.season[:, 0], 1 + 0.1 * pattern, rtol=1e-12)
