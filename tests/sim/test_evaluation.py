"""Rolling-origin evaluation (sim/evaluation.py): the origins, what the forecaster sees, and
the metrics against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasters.base import Forecast, Forecaster
from forecasters.seasonal_naive import SeasonalNaive
from sim.evaluation import Z80, mase_scale, origins, rmsse_scale, rolling_origin


class Constant(Forecaster):
    """Forecasts ``level`` for every period, with predictive std ``std`` (or none)."""

    def __init__(self, *, level: float, std: float | None = None):
        self.level, self.std = level, std

    def fit(self, y, exog=None):
        self.n_ = y.shape[1]
        return self

    def update(self, y_new, exog_new=None):
        pass

    def predict(self, h, exog_future=None):
        mean = np.full((h, self.n_), float(self.level))
        std = None if self.std is None else np.full((h, self.n_), float(self.std))
        return Forecast(time=0.0, mean=mean, std=std)


class Recorder(Forecaster):
    """Records every call and the arrays it was handed; forecasts the largest demand it
    has seen (so a look at the future shows in the forecast)."""

    def __init__(self, *, uses_exog: bool = True):
        self.uses_exog = uses_exog
        self.calls: list[tuple] = []

    def fit(self, y, exog=None):
        self.calls.append(("fit", y, exog))
        self.seen_ = y.max(axis=0)
        return self

    def update(self, y_new, exog_new=None):
        self.calls.append(("update", y_new, exog_new))
        self.seen_ = np.maximum(self.seen_, y_new)

    def predict(self, h, exog_future=None):
        self.calls.append(("predict", h, exog_future))
        return Forecast(time=0.0, mean=np.tile(self.seen_, (h, 1)))


def clock(n_periods: int, n_series: int) -> tuple[np.ndarray, np.ndarray]:
    """Demand ``y[t, j] = t`` and per-series regressors ``x[t, j] = (t, j)``: every value
    tells its period."""
    t = np.arange(n_periods, dtype=float)[:, None]
    y = np.repeat(t, n_series, axis=1)
    x = np.stack([y, np.broadcast_to(np.arange(n_series, dtype=float), y.shape)], axis=-1)
    return y, x


# -- origins ----------------------------------------------------------------------------------
def test_origins_end_the_last_window_at_the_end_of_the_data():
    assert origins(100, horizon=7, step=7, windows=3, min_history=56).tolist() == [79, 86, 93]
    # fewer than asked for: those with t0 >= min_history
    assert origins(100, horizon=7, step=7, windows=26, min_history=56).tolist() == list(
        range(58, 94, 7)
    )
    assert origins(100, horizon=7, step=7, windows=None, min_history=58).tolist() == list(
        range(58, 94, 7)
    )
    # overlapping windows (step < horizon)
    assert origins(30, horizon=7, step=3, windows=4, min_history=1).tolist() == [14, 17, 20, 23]
    assert origins(30, horizon=7, step=3, windows=None, min_history=24).size == 0


def test_rolling_origin_uses_those_origins():
    y = np.random.default_rng(0).poisson(10, size=(200, 3)).astype(float)
    bt = rolling_origin(Constant(level=10), y, horizon=5, step=3, windows=4, min_history=20)
    assert bt.origins.tolist() == [186, 189, 192, 195]
    assert bt.origins[-1] + 5 == 200
    assert bt.errors.shape == bt.actual.shape == bt.forecast.shape == (4, 5, 3)
    np.testing.assert_array_equal(bt.actual[1], y[189:194])


def test_no_origin_names_the_settings():
    y = np.ones((60, 2))
    with pytest.raises(ValueError, match=r"min_history\(=56\).*windows"):
        rolling_origin(Constant(level=1), y, horizon=7, min_history=56)


@pytest.mark.parametrize(
    ("key", "value"),
    [("horizon", 0), ("step", 0), ("windows", 0), ("min_history", 0), ("refit_every", 1.5)],
)
def test_bad_settings_are_named_with_their_value(key, value):
    with pytest.raises(ValueError, match=rf"backtest\.{key}\(={value}\)"):
        rolling_origin(Constant(level=1), np.ones((100, 1)), **{key: value})


@pytest.mark.parametrize("bad", [np.nan, -1.0])
def test_demand_must_be_finite_and_non_negative(bad):
    y = np.ones((100, 2))
    y[50, 1] = bad
    with pytest.raises(ValueError, match="NaN|negative"):
        rolling_origin(Constant(level=1), y)


# -- what the forecaster sees -----------------------------------------------------------------
def test_the_forecaster_never_sees_data_after_its_origin():
    n_periods, h = 120, 7
    y, x = clock(n_periods, 2)
    f = Recorder()
    bt = rolling_origin(
        f, y, x, horizon=h, step=7, windows=6, min_history=28, refit_every=14, season=7
    )
    seen = -1  # last period the forecaster has been handed
    k = 0
    for call, data, exog in f.calls:
        # fresh copies only: no view through which later rows could be read
        for arr in (data, exog):
            if isinstance(arr, np.ndarray):
                assert not np.shares_memory(arr, y) and not np.shares_memory(arr, x)
        if call == "fit":
            assert data.max() < bt.origins[k] and exog[..., 0].max() < bt.origins[k]
            seen = int(data.max())
        elif call == "update":
            assert data.max() == exog[..., 0].max() == seen + 1 < bt.origins[k]
            seen += 1
        else:
            t0 = bt.origins[k]
            assert seen == t0 - 1
            # the regressors of exactly the periods forecast
            np.testing.assert_array_equal(exog, x[t0 : t0 + h])
            k += 1
    assert k == bt.origins.size
    # the forecast is the largest demand seen: the last period before the origin
    np.testing.assert_array_equal(bt.forecast[:, :, 0], np.repeat(bt.origins[:, None] - 1, h, 1))


def test_a_poisoned_future_does_not_reach_the_forecast():
    y = np.random.default_rng(1).poisson(20, size=(100, 3)).astype(float)
    t0 = 100 - 7
    y[t0:] = 1e12  # what a forecaster that peeks would see
    bt = rolling_origin(Recorder(uses_exog=False), y, windows=1, min_history=28)
    assert bt.origins.tolist() == [t0]
    np.testing.assert_array_equal(bt.forecast[0], np.tile(y[:t0].max(axis=0), (7, 1)))
    assert bt.forecast.max() < 1e12


def test_fit_every_refit_every_periods_and_update_in_between():
    y, x = clock(100, 1)
    f = Recorder()
    rolling_origin(f, y, x, horizon=7, step=7, windows=5, min_history=1, refit_every=14)
    # origins 65, 72, 79, 86, 93: fit at 65, 79, 93 on all data so far; updates between
    fits = [(len(d), e.shape) for c, d, e in f.calls if c == "fit"]
    assert fits == [(65, (65, 1, 2)), (79, (79, 1, 2)), (93, (93, 1, 2))]
    updated = [int(d[0]) for c, d, _ in f.calls if c == "update"]
    assert updated == [*range(65, 72), *range(79, 86)]


def test_a_forecaster_without_exog_gets_none():
    y, x = clock(80, 2)
    f = Recorder(uses_exog=False)
    rolling_origin(f, y, x, windows=2, min_history=56)
    assert all(exog is None for _, _, exog in f.calls)


def test_shared_exog_rows_are_sliced_the_same_way():
    y, x = clock(80, 2)
    f = Recorder()
    bt = rolling_origin(f, y, x[:, 0, :1], windows=2, min_history=56, refit_every=100)
    predicted = [exog for c, _, exog in f.calls if c == "predict"]
    for t0, exog in zip(bt.origins, predicted, strict=True):
        np.testing.assert_array_equal(exog[:, 0], np.arange(t0, t0 + 7))


# -- metrics ----------------------------------------------------------------------------------
def test_metrics_by_hand():
    y = np.array([1, 3, 2, 4, 0, 5, 3, 6, 2, 4], dtype=float)[:, None]
    bt = rolling_origin(
        Constant(level=3, std=1), y, horizon=2, step=2, windows=2, min_history=4, season=2
    )
    assert bt.origins.tolist() == [6, 8]
    # errors: window 6 -> [3, 6] - 3 = [0, 3]; window 8 -> [2, 4] - 3 = [-1, 1]
    np.testing.assert_array_equal(bt.errors[:, :, 0], [[0, 3], [-1, 1]])
    # in-sample y[:6] = 1 3 2 4 0 5: seasonal (m=2) |diffs| 1 1 2 1 -> 1.25;
    # one-step diffs 2 -1 2 -4 5 -> squares 4 1 4 16 25 -> mean 10
    assert bt.mae_scale[0] == 1.25 and bt.mse_scale[0] == 10.0
    row = bt.per_series().iloc[0]
    assert row.mae == 1.25
    assert row.rmse == pytest.approx(math.sqrt(11 / 4))
    assert row.bias == 0.75
    assert row.mase == 1.0
    assert row.rmsse == pytest.approx(math.sqrt(11 / 4 / 10))
    assert row.coverage80 == 0.75  # |e| = 0, 3, 1, 1 against 1.28
    summary = bt.summary()
    assert summary["rmsse"] == pytest.approx(row.rmsse)
    assert summary["rmse_pooled"] == pytest.approx(row.rmse)
    lead = bt.by_lead()
    assert lead.index.tolist() == [1, 2]
    assert lead.loc[1, "mae"] == 0.5 and lead.loc[2, "bias"] == 2.0


def test_pooled_and_per_series_means_differ_as_defined():
    y = np.zeros((12, 2))
    y[:, 0] = [1, 2] * 6
    y[:, 1] = [10, 20] * 6
    bt = rolling_origin(Constant(level=0), y, horizon=2, step=2, windows=1, min_history=4)
    # errors: series 0 -> [1, 2], series 1 -> [10, 20]
    s = bt.summary()
    assert s["mae"] == s["mae_pooled"] == (1.5 + 15) / 2
    assert s["rmse"] == pytest.approx((math.sqrt(2.5) + math.sqrt(250)) / 2)
    assert s["rmse_pooled"] == pytest.approx(math.sqrt((1 + 4 + 100 + 400) / 4))
    assert math.isnan(s["coverage80"])  # no predictive std


def test_rmsse_scale_starts_at_the_first_non_zero_value():
    y = np.array([[0, 0, 2, 4, 1], [0, 0, 0, 0, 0], [3, 3, 3, 3, 3], [0, 0, 0, 0, 7]]).T
    scale = rmsse_scale(y.astype(float))
    assert scale[0] == (4 + 9) / 2  # diffs 2, -3: the leading zeros are not counted
    assert np.isnan(scale[1:]).all()  # never sold, constant, one period from the first sale


def test_mase_scale_needs_more_than_a_season():
    y = np.array([[1.0, 2, 4, 7]]).T
    assert mase_scale(y, 2)[0] == (3 + 5) / 2
    assert np.isnan(mase_scale(y, 4)[0])


def test_a_series_without_scale_is_left_out_of_the_means():
    y = np.ones((40, 2))
    y[:, 1] = np.tile([1.0, 3.0], 20)
    bt = rolling_origin(Constant(level=1), y, horizon=2, step=2, windows=3, min_history=10)
    table = bt.per_series()
    assert np.isnan(table.loc[0, "rmsse"]) and np.isnan(table.loc[0, "mase"])
    s = bt.summary()
    assert s["rmsse"] == table.loc[1, "rmsse"] and s["n_unscaled"] == 1
    assert s["mae"] == table["mae"].mean()  # unscaled metrics still average both


def test_seasonal_naive_on_a_periodic_series_makes_no_error():
    pattern = np.array([[1.0, 5, 2, 8, 3, 9, 4], [0.0, 0, 7, 7, 1, 2, 30]]).T
    y = np.tile(pattern, (20, 1))
    bt = rolling_origin(SeasonalNaive(season_length=7), y, horizon=7, step=7, min_history=14)
    assert bt.origins.size == 18
    assert np.all(bt.errors == 0)
    s = bt.summary()
    assert s["rmsse"] == s["mae"] == s["rmse"] == 0.0
    # the seasonal naive in-sample error, MASE's scale, is zero too: MASE undefined
    assert np.isnan(bt.mae_scale).all() and np.isnan(s["mase"])


def test_coverage_counts_the_80_percent_interval():
    y = np.zeros((30, 1))
    y[20:, 0] = [Z80, Z80 + 1e-9, 0, 2, 0, 0, 0, 1, 0, 0]  # errors against a forecast of 0
    bt = rolling_origin(Constant(level=0, std=1), y, horizon=10, windows=1, min_history=10)
    assert bt.per_series().coverage80.iloc[0] == 0.8


def test_data_frame_columns_label_the_series():
    y = pd.DataFrame(
        np.random.default_rng(2).poisson(5, size=(80, 2)).astype(float),
        columns=pd.MultiIndex.from_tuples([(1, 101), (1, 109)], names=["store", "product"]),
    )
    table = rolling_origin(Constant(level=5), y, windows=2).per_series()
    assert table.index.tolist() == [(1, 101), (1, 109)]
    assert list(table.columns) == ["mae", "rmse", "bias", "mase", "rmsse", "coverage80"]
