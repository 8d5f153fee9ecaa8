"""The global recurrent forecasters' shared machinery (forecasters/deep.py): windows,
validation split, calendar, spread, lazy import, parameters, determinism, persistence.

Networks here are tiny (8-16 units, a few epochs, a few SKUs) so the file runs in well
under a minute on two cores; TensorFlow's start-up (about 5 s) is paid once.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from forecasters.deep import (
    DeepForecaster,
    calendar_features,
    min_history,
    quantile_std,
    split_windows,
    windows,
)
from forecasters.gru import GRU
from forecasters.lstm import LSTM
from tests.forecasters.helpers import SMALL, deep_demand

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed"
)


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fitted() -> LSTM:
    return LSTM(**SMALL).fit(deep_demand())


def test_windows_read_lookback_then_predict_horizon():
    z = np.arange(20.0)[:, None] * np.array([1.0, 10.0])
    x, t = windows(z, lookback=4, horizon=3)
    assert x.shape == (14, 2, 4) and t.shape == (14, 2, 3)
    np.testing.assert_array_equal(x[5, 1], [50, 60, 70, 80])
    np.testing.assert_array_equal(t[5, 1], [90, 100, 110])


def test_validation_split_is_the_last_windows_with_a_gap():
    # 20 windows, horizon 3: 4 validate, the 2 before them are dropped, 14 train
    assert split_windows(20, 3, 0.2) == (14, 4)
    assert split_windows(20, 3, 0.0) == (20, 0)
    # defaults: 58 periods = 17 windows = 3 validation + 13 dropped + 1 training
    assert min_history(28, 14, 0.2) == 58
    assert min_history(28, 14, 0.0) == 42


def test_calendar_features_repeat_with_the_season():
    f = calendar_features(3, 15, 7)
    np.testing.assert_allclose(f[0], f[7], atol=1e-12)
    np.testing.assert_allclose(f[:, 0] ** 2 + f[:, 1] ** 2, 1.0)


def test_quantile_std_is_the_normal_std_for_normal_quantiles():
    from statistics import NormalDist

    levels = (0.1, 0.5, 0.9)
    q = np.array([[NormalDist(10, 3).inv_cdf(p) for p in levels]])
    np.testing.assert_allclose(quantile_std(q, levels), [3.0])


def test_importing_the_modules_does_not_import_tensorflow():
    code = (
        "import sys, forecasters.lstm, forecasters.gru, forecasters.deep;"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lookback", 0),
        ("horizon", 1.5),
        ("units", 0),
        ("dropout", 1.0),
        ("learning_rate", 0),
        ("epochs", True),
        ("batch_size", 0),
        ("validation_fraction", 1.0),
        ("patience", -1),
        ("loss", "mae"),
        ("quantiles", [0.1, 0.9]),
        ("quantiles", [0.5, 0.1, 0.9]),
        ("quantiles", [0.1, 0.2, 0.5]),
        ("quantiles", [0.0, 0.5, 0.9]),
        ("season_length", 1),
        ("seed", -1),
    ],
)
def test_bad_parameters_are_named_in_the_error(key, value):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        LSTM(**{key: value})


def test_fit_refuses_too_short_history():
    f = LSTM(**SMALL)
    with pytest.raises(ValueError, match=f"at least {f.min_history} periods"):
        f.fit(deep_demand(n_periods=f.min_history - 1))


def test_forecast_shapes_spread_and_time(fitted):
    fc = fitted.predict(5)
    assert fc.mean.shape == fc.std.shape == fc.sum_std.shape == (5, 6)
    assert fc.time == float(fitted.n_seen_) == 100.0
    np.testing.assert_allclose(fc.sum_std[0], fc.std[0])
    assert np.all(fc.mean >= 0)
    log = fitted.training_log_
    assert log["n_train_windows"] > 0 and log["n_val_windows"] > 0
    assert len(log["epoch_seconds"]) == len(log["loss"]) <= SMALL["epochs"]


def test_long_horizons_roll_forward_recursively(fitted):
    short, long = fitted.predict(7), fitted.predict(12)
    assert long.mean.shape == (12, 6)
    np.testing.assert_array_equal(long.mean[:7], short.mean)
    np.testing.assert_array_equal(long.std[7:], np.repeat(short.std[-1:], 5, axis=0))
    assert np.all(np.diff(long.sum_std[6:], axis=0) > 0)


def test_update_appends_without_training():
    y = deep_demand()
    f = LSTM(**SMALL).fit(y[:-1])
    weights = [w.copy() for w in f.model_.get_weights()]
    before = f.predict(7)
    f.update(y[-1])
    after = f.predict(7)
    assert f.n_seen_ == 100 and after.time == before.time + 1
    np.testing.assert_array_equal(f.history_[-1], y[-1])
    assert all(np.array_equal(a, b) for a, b in zip(weights, f.model_.get_weights(), strict=True))
    assert not np.array_equal(before.mean, after.mean)  # the window moved on


def test_fit_is_deterministic_and_the_seed_matters():
    y = deep_demand(seed=3)
    a = LSTM(**SMALL).fit(y).predict(7)
    b = LSTM(**SMALL).fit(y.copy()).predict(7)
    c = LSTM(**SMALL, seed=1).fit(y).predict(7)
    for field in ("mean", "std", "sum_std"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.mean, c.mean)


@pytest.mark.parametrize("loss", ["mse", "pinball"])
def test_save_and_load_give_identical_forecasts(tmp_path, loss):
    y = deep_demand(n_periods=90)
    f = GRU(**SMALL, loss=loss).fit(y[:-1])
    f.save(tmp_path / "gru")
    g = DeepForecaster.load(tmp_path / "gru")
    assert type(g) is GRU and g.parameters() == f.parameters()
    for _ in range(2):
        a, b = f.predict(9), g.predict(9)
        for field in ("time", "mean", "std", "sum_std"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        f.update(y[-1])
        g.update(y[-1])
    with pytest.raises(ValueError, match="holds a GRU"):
        LSTM.load(tmp_path / "gru")


# Keras 3.15 reads weights for TensorBoard with np.array(x), which NumPy >= 2.4 flags
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_tensorboard_logs_or_a_clear_error(tmp_path):
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(ImportError, match="pip install tensorboard"):
            LSTM(tensorboard_dir=str(tmp_path))
        return
    LSTM(**{**SMALL, "epochs": 1}, tensorboard_dir=str(tmp_path)).fit(deep_demand(n_periods=60))
    assert list(tmp_path.glob("fit-60/train/events.out.tfevents.*"))
