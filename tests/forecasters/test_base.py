"""The forecaster contract (forecasters/base.py): every numpy forecaster and every YAML in
``conf/forecaster/`` passes :func:`check_forecaster`, which catches a forecaster that reads
regressors it claims to ignore; ``update`` is the state recursion of a re-fit; ``uses_exog``
follows ARIMA's parameter."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from forecasters.arima import ARIMA
from forecasters.base import Forecast, Forecaster, check_forecaster
from forecasters.croston import Croston
from forecasters.ets import ETS
from forecasters.glm import GLMRegression
from forecasters.holt import Holt
from forecasters.holt_winters import HoltWinters
from forecasters.moving_average import MovingAverage
from forecasters.naive import Naive
from forecasters.sba import SBA
from forecasters.seasonal_naive import SeasonalNaive
from forecasters.ses import SES
from forecasters.tsb import TSB
from sim.forecasting import ForecastSettings

CONF = Path(__file__).resolve().parents[2] / "conf" / "forecaster"


NUMPY_YAMLS = [
    "naive",
    "seasonal_naive",
    "moving_average",
    "ses",
    "holt",
    "holt_winters",
    "croston",
    "sba",
    "tsb",
]
STATSMODELS_YAMLS = ["ets", "auto_ets", "arima", "sarima", "sarimax", "glm", "glm_sales"]


#: ``forecaster.*`` keys that the simulation reads, not the model (as experiments/run.py).
HARNESS_KEYS = tuple(f.name for f in dataclasses.fields(ForecastSettings))


def fixed_forecasters() -> list[Forecaster]:
    """One of each forecaster with every smoothing parameter given."""
    return [
        Naive(),
        SeasonalNaive(season_length=7),
        MovingAverage(window=7),
        SES(alpha=0.3),
        Holt(alpha=0.3, beta=0.1),
        HoltWinters(alpha=0.3, beta=0.1, gamma=0.1),
        HoltWinters(alpha=0.3, beta=0.1, gamma=0.1, seasonal="multiplicative"),
        HoltWinters(alpha=0.2, gamma=0.2, trend=False),
        Croston(alpha=0.1),
        SBA(alpha=0.2),
        TSB(alpha=0.1, beta=0.2),
    ]


def fitted_forecasters() -> list[Forecaster]:
    """Forecasters whose smoothing parameters are fitted by grid search."""
    return [
        SES(),
        Holt(),
        Holt(alpha=0.2),
        HoltWinters(),
        HoltWinters(seasonal="multiplicative"),
        HoltWinters(trend=False, gamma=0.1),
    ]


@pytest.mark.parametrize("forecaster", fixed_forecasters() + fitted_forecasters(), ids=repr)
def test_every_forecaster_passes_check_forecaster(forecaster):
    check_forecaster(forecaster)
    y = np.random.default_rng(0).poisson(5.0, (40, 3)).astype(float)
    forecaster.fit(y)
    assert forecaster.predict(2).time == 40
    forecaster.update(y[-1])
    assert forecaster.predict(2).time == 41
    assert forecaster.history_.shape == (41, 3)


@pytest.mark.parametrize("name", NUMPY_YAMLS)
def test_every_yaml_instantiates_and_passes_check_forecaster(name):
    cfg = OmegaConf.load(CONF / f"{name}.yaml")
    forecaster = instantiate(cfg)
    assert isinstance(forecaster, Forecaster)
    check_forecaster(forecaster)
    # Every constructor parameter is a YAML key with its default, one to one.
    defaults = {k: p.default for k, p in inspect.signature(type(forecaster)).parameters.items()}
    keys = [k for k in cfg if k != "_target_"]
    assert keys == list(type(forecaster).param_names) == list(defaults)
    assert {k: cfg[k] for k in keys} == defaults


def load_model_yaml(name: str):
    """A forecaster YAML without the keys the simulation reads (``forecaster.exog``)."""
    cfg = OmegaConf.load(CONF / f"{name}.yaml")
    for key in HARNESS_KEYS:
        cfg.pop(key, None)
    return cfg


@pytest.mark.usefixtures("quiet_statsmodels")
@pytest.mark.parametrize("name", STATSMODELS_YAMLS)
def test_yaml_instantiates_and_passes_check(name):
    cfg = load_model_yaml(name)
    forecaster = instantiate(cfg)
    assert isinstance(forecaster, Forecaster)
    keys = [k for k in cfg if k != "_target_"]
    assert tuple(keys) == forecaster.param_names
    assert "refit_every" not in cfg
    assert forecaster.parameters() == {k: OmegaConf.to_container(cfg)[k] for k in keys}
    check_forecaster(forecaster)


def test_uses_exog_reflects_the_parameter():
    assert not ARIMA().uses_exog
    assert ARIMA(use_exog=True).uses_exog
    assert instantiate(load_model_yaml("sarimax")).uses_exog
    assert GLMRegression.uses_exog and not ETS.uses_exog


def test_check_forecaster_catches_a_forecaster_that_reads_regressors_it_claims_to_ignore():
    class Sneaky(Naive):
        def predict(self, h, exog_future=None):
            fc = super().predict(h)
            if exog_future is None:
                return fc
            return Forecast(time=fc.time, mean=fc.mean + 1.0, std=fc.std, sum_std=fc.sum_std)

    with pytest.raises(AssertionError, match="with regressors it ignores.* mean"):
        check_forecaster(Sneaky())


# From 3 periods on where the initial state does not depend on the history's length; the
# smoothing models' initial states are fixed from 10 periods (4 seasons for Holt-Winters).
UPDATE_CASES = [(f, 40) for f in fixed_forecasters()] + [
    (f, 3) for f in fixed_forecasters() if not isinstance(f, SES | Holt | HoltWinters)
]


@pytest.mark.parametrize(("forecaster", "start"), UPDATE_CASES, ids=repr)
def test_update_equals_refit_with_fixed_parameters(forecaster, start):
    rng = np.random.default_rng(3)
    t = np.arange(70)[:, None]
    y = rng.poisson(8 * (1 + 0.4 * np.sin(2 * np.pi * t / 7)), (70, 6)).astype(float)
    y[:, 0] = rng.poisson(0.2, 70)  # one intermittent SKU
    forecaster.fit(y[:start])
    for row in y[start:]:
        forecaster.update(row)
    a = forecaster.predict(9)
    b = type(forecaster)(**forecaster.parameters()).fit(y).predict(9)
    assert a.time == b.time == 70
    for field in ("mean", "std", "sum_std"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-12, atol=1e-12)


def test_forecast_cumulative_mean_and_std_take_each_skus_own_period():
    fc = Forecast(
        time=0.0,
        mean=np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]),
        sum_std=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    )
    # periods are clipped to 1..h: 5 reads the third row, 0 the first
    np.testing.assert_array_equal(fc.cumulative_mean(np.array([2, 5])), [3.0, 60.0])
    np.testing.assert_array_equal(fc.cumulative_std(np.array([0, 3])), [1.0, 6.0])
    assert Forecast(time=0.0, mean=fc.mean).cumulative_std(np.array([1, 1])) is None
