"""``Forecaster.columns_independent``: a forecaster that declares it gives every SKU column
the numbers it would give that column alone, to the last bit, whichever columns come with
it -- the promise that lets the simulation run several nodes' SKUs side by side in one
forecaster (:class:`sim.forecasting.SharedDriver`). Checked here on every YAML of
``conf/forecaster/`` that declares it, through fit, update, refit and predict.

The parts are at least two columns wide, as the simulation shares a forecaster only between
nodes of at least two SKUs: numpy sums a single column of a table pairwise, and several
columns row by row, so a mean over periods of one column alone can differ in the last bit
from the same column's mean beside others."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import get_class, instantiate
from omegaconf import OmegaConf

from forecasters.base import Forecast
from forecasters.ets import ETS
from sim.forecasting import ForecastSettings

CONF = Path(__file__).resolve().parents[2] / "conf" / "forecaster"
HARNESS_KEYS = tuple(f.name for f in dataclasses.fields(ForecastSettings))
#: Pooled models (one network trained on every SKU), and ARIMA, whose columns are not
#: independent bit for bit; never instantiated here (the deep ones need TensorFlow).
NOT_INDEPENDENT = {"gru", "lstm", "arima", "sarima", "sarimax", "glm", "glm_sales"}
YAMLS = sorted(p.stem for p in CONF.glob("*.yaml") if p.stem not in NOT_INDEPENDENT)
#: The widths of the parts put side by side.
WIDTHS = (3, 2, 4, 2)


def load(name: str):
    cfg = OmegaConf.load(CONF / f"{name}.yaml")
    for key in HARNESS_KEYS:
        cfg.pop(key, None)
    return instantiate(cfg)


def demand(rng: np.random.Generator, n_periods: int, n_skus: int) -> np.ndarray:
    """Weekly Poisson demand at levels from intermittent to busy, scaled off the integers
    (sums of integers are exact in any order and would hide a summation order)."""
    t = np.arange(n_periods)[:, None]
    mean = rng.uniform(0.3, 25.0, n_skus) * (1.0 + 0.3 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(mean) * 1.37


def forecasts(forecaster, y: np.ndarray, n_fit: int, refit_at: int) -> list[Forecast]:
    """Fit on the first ``n_fit`` periods, then update period by period (re-fitting on
    everything seen at ``refit_at`` updates), forecasting 5 periods after every step."""
    forecaster.fit(y[:n_fit].copy())
    out = [forecaster.predict(5)]
    for row in range(n_fit, y.shape[0]):
        forecaster.update(y[row].copy())
        if row - n_fit + 1 == refit_at:
            forecaster.refit(y[: row + 1].copy())
        out.append(forecaster.predict(5))
    return out


def test_the_yamls_that_declare_it():
    declared = {name for name in YAMLS if load(name).columns_independent}
    assert declared == set(YAMLS)
    for name in NOT_INDEPENDENT:  # the class's declaration, without building a model
        target = OmegaConf.load(CONF / f"{name}.yaml")["_target_"]
        assert get_class(target).columns_independent is False, name
    assert not ETS(error="mul").columns_independent  # its sample paths are drawn jointly
    assert not ETS(seasonal="mul").columns_independent


@pytest.mark.usefixtures("quiet_statsmodels")
@pytest.mark.parametrize("name", YAMLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_columns_side_by_side_give_each_part_alone_exactly(name, seed):
    rng = np.random.default_rng(seed)
    parts = [demand(rng, 140, w) for w in WIDTHS]
    together = forecasts(load(name), np.hstack(parts), 112, 14)
    start = 0
    for part in parts:
        skus = slice(start, start + part.shape[1])
        alone = forecasts(load(name), part, 112, 14)
        for joint, own in zip(together, alone, strict=True):
            assert _equal(joint.columns(skus), own)
        start = skus.stop


def _equal(a: Forecast, b: Forecast) -> bool:
    for f in dataclasses.fields(Forecast):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x is None or y is None:
            assert x is None and y is None, f.name
        else:
            np.testing.assert_array_equal(x, y, err_msg=f.name, strict=True)
    return True


def test_forecast_columns_cuts_every_array_on_its_sku_axis():
    h, n, paths = 3, 5, 4
    rng = np.random.default_rng(0)
    fc = Forecast(
        time=7.0,
        mean=rng.random((h, n)),
        std=rng.random((h, n)),
        sum_std=rng.random((h, n)),
        paths=rng.random((paths, h, n)),
        protection_periods=np.arange(n),
        protection_mean=rng.random(n),
        error_sum_std=rng.random(n),
        error_sum_samples=rng.random((6, n)),
        one_step_error_std=rng.random(n),
    )
    cut = fc.columns(slice(1, 3))
    assert cut.time == 7.0 and cut.n_skus == 2
    for f in dataclasses.fields(Forecast):
        if f.name != "time":
            whole, part = getattr(fc, f.name), getattr(cut, f.name)
            np.testing.assert_array_equal(part, whole[..., 1:3])
            assert part.flags.c_contiguous
    assert Forecast(time=0.0, mean=np.ones((2, 4))).columns(slice(0, 2)).std is None
