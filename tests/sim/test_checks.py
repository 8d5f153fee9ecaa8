"""The shared predicates of :mod:`sim.checks`, and the messages of the sites that use them
(issue #13: one validator per shape, every message word for word as before)."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import pytest

from sim.checks import Section, check_int, is_int, is_number, is_whole

# (value, is_int(value), is_int(value, 1), is_number(value))
TABLE = [
    (True, False, False, False),
    (False, False, False, False),
    (np.bool_(True), False, False, False),  # not an integer type at all
    (0, True, False, True),
    (1, True, True, True),
    (-1, True, False, True),
    (10**30, True, True, True),
    (np.int64(1), True, True, True),
    (np.int8(0), True, False, True),
    (np.uint64(7), True, True, True),
    (1.0, False, False, True),  # a whole float is not an integer
    (0.5, False, False, True),
    (np.float64(2.0), False, False, True),
    (np.float32(0.5), False, False, True),
    (math.nan, False, False, True),  # NaN and inf are numbers: callers bound them
    (math.inf, False, False, True),
    (-math.inf, False, False, True),
    (np.float64(math.nan), False, False, True),
    (np.complex128(1), False, False, False),
    (1j, False, False, False),
    ("1", False, False, False),
    (None, False, False, False),
    ([1], False, False, False),
    (np.array(1), False, False, False),
]


@pytest.mark.parametrize(("value", "integer", "at_least_one", "number"), TABLE, ids=repr)
def test_truth_table(value, integer, at_least_one, number):
    assert is_int(value) is integer
    assert is_int(value, 1) is at_least_one
    assert is_number(value) is number


@pytest.mark.parametrize("low", [-5, 0, 1, 7])
def test_is_int_bounds(low):
    assert is_int(low, low)
    assert is_int(np.int32(low), low)
    assert not is_int(low - 1, low)
    assert not is_int(np.int32(low - 1), low)
    assert is_int(low - 1)  # no bound without low


def test_types():
    # a caller that accepted only Python's int keeps refusing numpy integers
    assert is_int(3, 1, types=int) and not is_int(np.int64(3), 1, types=int)
    assert is_int(np.int64(3), 1, types=Integral)
    assert not is_int(True, types=int) and not is_int(True, types=Integral)
    # ... and Python's int | float (np.float64 is a float, np.float32 is not)
    assert is_number(np.float64(0.5), types=int | float)
    assert not is_number(np.float32(0.5), types=int | float)
    assert not is_number(np.int64(1), types=int | float)
    assert not is_number(False, types=int | float)
    # np.number takes numpy complex numbers too (sim.network._numbers did)
    assert is_number(np.complex128(1), types=int | float | np.number)


def test_check_int():
    assert check_int("x", np.int64(3), 1) == 3
    assert type(check_int("x", np.int64(3), 1)) is int
    assert check_int("x", 0, 0) == 0
    for bad in (0, True, 1.0, "2", None, np.float64(2.0)):
        with pytest.raises(ValueError) as info:
            check_int("net.stages", bad, 1)
        assert str(info.value) == f"net.stages(={bad!r}) must be an integer >= 1"


@pytest.mark.parametrize(
    ("value", "whole", "whole_from_1"),
    [
        (3, True, True),
        (3.0, True, True),  # unlike is_int: counts and periods take whole floats
        (np.int64(0), True, False),
        (np.float32(2.0), True, True),
        (2.5, False, False),
        (-1, True, False),
        (True, False, False),
    ],
)
def test_is_whole(value, whole, whole_from_1):
    assert is_whole(value) is whole
    assert is_whole(value, 1) is whole_from_1


def test_is_whole_lets_int_refuse_what_it_cannot_convert():
    with pytest.raises(ValueError):
        is_whole(math.nan)
    with pytest.raises(ValueError):
        is_whole("x")


def test_section_names_itself_in_every_message():
    demand, lead_time = Section("demand"), Section("lead_time")
    assert demand.positive("mean", [1.0, 2.0]).tolist() == [1.0, 2.0]
    assert lead_time.non_negative("mean", 0).ndim == 0
    assert _message(demand.positive, "mean", [1, -2]) == "demand mean[1](=-2) must be > 0"
    assert _message(lead_time.non_negative, "shift", -1) == "lead_time shift(=-1) must be >= 0"
    assert _message(demand.array, "mean", None) == (
        "demand mean(=None) must be a number or a list of numbers"
    )
    assert demand.per_sku("mean", np.array(2.0), 3).tolist() == [2.0, 2.0, 2.0]
    assert _message(lead_time.per_sku, "value", np.array([1.0, 2.0]), 3).startswith(
        "lead_time value has 2 per-SKU values but the network has n_skus=3"
    )


# ----------------------------------------------------------------- the sites, word for word


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_sim_site_messages():
    from sim.cleaning import CleaningSettings
    from sim.forecasting import ForecastSettings
    from sim.leadtime import Deterministic, Poisson, ShiftedGamma
    from sim.network import Serial, _numbers, make_lead_time
    from sim.rng import Streams

    assert _message(Streams, -1) == "seed(=-1) must be a non-negative integer"
    assert _message(Streams, True) == "seed(=True) must be a non-negative integer"
    assert Streams(np.int64(3)).seed == 3
    assert _message(ForecastSettings, history=0) == "forecaster.history(=0) must be an integer >= 1"
    assert (
        _message(ForecastSettings, error_window=2.0)
        == "forecaster.error_window(=2.0) must be an integer >= 2"
    )
    assert (
        _message(ForecastSettings, cusum_k=True) == "forecaster.cusum_k(=True) must be a number > 0"
    )
    assert _message(ForecastSettings, cusum_h=0) == "forecaster.cusum_h(=0) must be a number > 0"
    ForecastSettings(cusum_k=math.nan)  # NaN is not <= 0: accepted, as before
    assert (
        _message(CleaningSettings, impute_weeks=True)
        == "demand.cleaning.impute_weeks(=True) must be an integer >= 1"
    )
    assert CleaningSettings(impute_weeks=np.int64(2)).impute_weeks == 2
    assert _message(Serial, stages=0) == "network.stages(=0) must be an integer >= 1"
    assert _message(_numbers, "k", [1, True]) == "k(=[1, True]) must be a list of numbers"
    assert _numbers("k", [np.int64(1), np.float32(0.5)]) == [1.0, 0.5]
    assert isinstance(make_lead_time(np.float32(2.0)), Deterministic)
    assert (
        _message(make_lead_time, math.nan)
        == "network.lead_time(=nan) must be a whole number of periods >= 0"
    )
    assert _message(Poisson, mean=1.0, shift=2) == "lead_time mean(=1) must be >= shift(=2)"
    assert (
        _message(ShiftedGamma, mean=2.0, shift=2.0, cv=0.5)
        == "lead_time mean(=2) must be > shift(=2); use Deterministic for a fixed lead time"
    )
    Poisson(mean=2.0, shift=2)  # mean == shift is fine for a Poisson


def test_forecaster_site_messages():
    from forecasters.glm import GLMRegression
    from forecasters.smoothing import check_int as forecaster_int
    from forecasters.smoothing import check_rate

    assert forecaster_int("window", np.int64(4), 1) == 4
    assert (
        _message(forecaster_int, "window", 0, 1) == "forecaster.window(=0) must be an integer >= 1"
    )
    assert check_rate("alpha", np.float32(0.5)) == 0.5
    assert _message(check_rate, "alpha", True) == "forecaster.alpha(=True) must be in (0, 1]"
    assert _message(check_rate, "alpha", math.nan) == "forecaster.alpha(=nan) must be in (0, 1]"
    assert (
        _message(check_rate, "beta", None, optional=False, zero=True)
        == "forecaster.beta(=None) must be in [0, 1]"
    )
    for bad in (0, True, math.nan, np.int64(2)):
        assert (
            _message(GLMRegression, family="negative_binomial", alpha=bad)
            == f"alpha(={bad!r}) must be a number > 0 or null (estimated)"
        )


def test_experiment_site_messages():
    from omegaconf import OmegaConf

    from experiments.backtest import _settings
    from experiments.run import ConfigError, objective_settings
    from experiments.validate import integer

    def config_message(fn, cfg) -> str:
        with pytest.raises(ConfigError) as info:
            fn(OmegaConf.create(cfg))
        return str(info.value)

    assert objective_settings(OmegaConf.create({})) == (None, 100.0)
    assert (
        config_message(objective_settings, {"objective": {"fill_rate_target": 1.5}})
        == "objective.fill_rate_target(=1.5) must be null or a number in (0, 1]"
    )
    assert (
        config_message(objective_settings, {"objective": {"penalty": True}})
        == "objective.penalty(=True) must be a number >= 0"
    )
    assert (
        config_message(_settings, {"backtest": {"step": 0}})
        == "backtest.step(=0) must be an integer >= 1"
    )
    assert (
        config_message(lambda c: integer(c, "n", 2), {"n": 1.0})
        == "n(=1.0) must be an integer >= 2"
    )
    assert integer(OmegaConf.create({"n": 2}), "n", 2) == 2
