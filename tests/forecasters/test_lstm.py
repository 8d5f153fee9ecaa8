"""The LSTM forecaster (forecasters/lstm.py): its YAML, the contract, and that it learns a
weekly season."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from forecasters.base import check_forecaster
from forecasters.lstm import LSTM
from tests.forecasters.helpers import SMALL, assert_yaml_holds_the_defaults

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed"
)


@pytest.mark.parametrize(("name", "cls"), [("lstm", LSTM)])
def test_yaml_instantiates_with_every_parameter_at_its_default(name, cls):
    assert_yaml_holds_the_defaults(name, cls)


@pytest.mark.parametrize(
    ("cls", "loss"),
    [(LSTM, "mse"), (LSTM, "pinball")],
    ids=["LSTM-mse", "LSTM-pinball"],
)
def test_passes_check_forecaster(cls, loss):
    check_forecaster(cls(**SMALL, loss=loss))


def test_lstm_learns_a_weekly_season_better_than_naive():
    """20 SKUs x 400 periods of ``level (1 + 0.5 sin(2 pi t / 7))`` plus 10% noise: after a
    few seconds of training the next 7 periods' MAE is well below the naive forecast's."""
    rng = np.random.default_rng(1)
    n_skus, n_periods = 20, 400
    t = np.arange(n_periods + 7)[:, None]
    level = rng.uniform(5, 50, n_skus)[None, :]
    noise = rng.normal(0.0, 0.1, t.shape[:1] + (n_skus,)) * level
    y = np.maximum(level * (1 + 0.5 * np.sin(2 * np.pi * t / 7)) + noise, 0.0)
    history, future = y[:n_periods], y[n_periods:]
    model = LSTM(lookback=28, horizon=7, units=16, epochs=5).fit(history)
    mae = np.abs(model.predict(7).mean - future).mean()
    naive = np.abs(history[-1] - future).mean()
    assert mae < 0.8 * naive, (mae, naive)
