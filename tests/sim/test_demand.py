"""Demand models against their closed forms.

Moment checks use the central limit theorem: a sample mean of ``n`` iid draws with std
``sigma`` is off by more than ``Z * sigma / sqrt(n)`` with probability below 6e-7 for
``Z = 5``; a sample variance likewise, with the standard error of the squared deviations
estimated from the sample. Seeds are fixed, so the suite is deterministic.
"""

from __future__ import annotations

import copy
from collections import UserList
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim import demand
from sim.demand import (
    Deterministic,
    Intermittent,
    NegativeBinomial,
    Normal,
    Poisson,
    censored_normal_mean,
    population_summary,
)
from tests.sim.moments import Z, assert_mean, assert_variance


def ready(model, n_skus: int = 200, seed: int = 1, **modulation):
    """A set-up copy of ``model`` (parametrised instances are shared between tests)."""
    model = copy.deepcopy(model)
    if modulation:
        model.modulation = demand.Modulation(**modulation)
    model.setup(n_skus, np.random.default_rng(seed))
    return model


# --------------------------------------------------------------------------- moments

# (model, textbook mean, textbook variance) for a homogeneous population
MOMENTS = [
    pytest.param(Poisson(mean=4.0), 4.0, 4.0, id="poisson"),
    pytest.param(Poisson(mean=0.2), 0.2, 0.2, id="poisson-slow"),
    pytest.param(NegativeBinomial(mean=5.0, variance_ratio=3.0), 5.0, 15.0, id="nb-ratio"),
    # cv 0.5 at mean 10: variance (0.5 * 10)**2 = 25
    pytest.param(NegativeBinomial(mean=10.0, cv=0.5), 10.0, 25.0, id="nb-cv"),
    pytest.param(Normal(mean=10.0, cv=0.2), 10.0, 4.0, id="normal"),
    # Croston: p * s and p * E[S^2] - (p s)^2 with geometric S: E[S^2] = s(s - 1) + s^2
    pytest.param(
        Intermittent(probability=0.3, size_mean=3.0), 0.9, 0.3 * 15 - 0.81, id="croston-geom"
    ),
    pytest.param(
        Intermittent(probability=0.25, size_mean=4.0, size_dist="poisson"),
        1.0,
        0.25 * (3 + 16) - 1.0,
        id="croston-poisson",
    ),
    pytest.param(
        Intermittent(probability=0.5, size_mean=2.0, size_dist="lognormal", size_cv=0.5),
        1.0,
        0.5 * (1.0 + 4.0) - 1.0,
        id="croston-lognormal",
    ),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_sample_moments_match_closed_form(model, mean, variance):
    model = ready(model)
    np.testing.assert_allclose(model.mean(), mean)
    np.testing.assert_allclose(model.std(), np.sqrt(variance))
    x = model.sample(np.random.default_rng(7), 0, 1000)  # 200,000 draws
    assert_mean(x, mean, np.sqrt(variance))
    assert_variance(x, variance)


def test_normal_is_censored_at_zero_and_the_mean_moves_as_documented():
    model = ready(Normal(mean=10.0, cv=0.8))
    x = model.sample(np.random.default_rng(3), 0, 1000)
    assert x.min() == 0.0
    shifted = float(censored_normal_mean(10.0, 8.0))
    assert shifted > 10.3  # censoring raises the mean visibly at cv 0.8
    assert_mean(x, shifted, 8.0)


def test_normal_std_is_absolute_when_given():
    model = ready(Normal(mean=[5.0, 50.0], std=[1.0, 2.0]), n_skus=2)
    np.testing.assert_allclose(model.std(), [1.0, 2.0])
    x = model.sample(np.random.default_rng(0), 0, 50_000)
    assert_variance(x[:, 1], 4.0)


@pytest.mark.parametrize(
    "model",
    [Poisson(mean=[0.05, 1.0, 7.5, 60.0]), NegativeBinomial(mean=[1.0, 3.0, 20.0], cv=1.3)],
    ids=["poisson", "negative_binomial"],
)
def test_inversion_table_reproduces_the_pmf(model):
    """Chi-square goodness of fit, SKU by SKU, of the inversion samplers (Poisson: by
    sim.sampling at any mean; negative binomial: its guide table)."""
    n = len(model._mean)
    model = ready(model, n_skus=n)
    if model.family != "poisson":
        assert model._stationary_table() is not None
    x = model.sample(np.random.default_rng(11), 0, 40_000)
    for i in range(n):
        if model.family == "poisson":
            dist = stats.poisson(model.base_mean()[i])
        else:
            r, p = model._params()
            dist = stats.nbinom(r[i], p[i])
        top = int(dist.ppf(0.999))
        observed = np.bincount(x[:, i].astype(int), minlength=top + 2)[: top + 1]
        observed = np.append(observed, x.shape[0] - observed.sum())  # tail cell
        expected = np.append(dist.pmf(np.arange(top + 1)), dist.sf(top)) * x.shape[0]
        keep = expected > 5
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4, (i, chi2)


def test_direct_samplers_are_used_beyond_the_table_budget(monkeypatch):
    """The negative binomial falls back to numpy's sampler past the table budget; Poisson
    has no budget (sim.sampling builds its tables chunk by chunk)."""
    monkeypatch.setattr(demand, "TABLE_BUDGET", 0)
    for model, var in [(Poisson(mean=6.0), 6.0), (NegativeBinomial(mean=6, variance_ratio=2), 12)]:
        model = ready(model)
        if model.family != "poisson":
            assert model._stationary_table() is None
        x = model.sample(np.random.default_rng(5), 0, 500)
        assert_mean(x, 6.0, np.sqrt(var))
        assert_variance(x, var)


def test_deterministic_is_constant_and_may_be_fractional():
    model = ready(Deterministic(mean=2.5), n_skus=3)
    x = model.sample(np.random.default_rng(0), 10, 4)
    np.testing.assert_array_equal(x, np.full((4, 3), 2.5))
    np.testing.assert_array_equal(model.std(), 0.0)


# --------------------------------------------------------------------------- contract

ALL = [
    Poisson(mean=3.0, mean_spread=0.4),
    NegativeBinomial(mean=3.0, variance_ratio=2.0, mean_spread=0.4),
    Normal(mean=3.0, cv=0.5),
    Intermittent(probability=0.2, size_mean=2.0, probability_spread=0.5),
    Deterministic(mean=1.5),
]


@pytest.mark.parametrize("model", ALL, ids=lambda m: m.family)
@pytest.mark.parametrize("modulated", [False, True])
def test_shapes_dtypes_and_non_negativity(model, modulated):
    modulation = {"weekly_amplitude": 0.5, "trend": -0.001} if modulated else {}
    model = ready(model, n_skus=50, **modulation)
    x = model.sample(np.random.default_rng(0), 3, 30)
    assert x.shape == (30, 50) and x.dtype == np.float64
    assert np.all(x >= 0) and np.all(np.isfinite(x))
    if model.family in ("poisson", "negative_binomial", "intermittent"):
        np.testing.assert_array_equal(x, np.round(x))
    assert model.sample(np.random.default_rng(0), 0, 0).shape == (0, 50)
    assert model.mean().shape == model.std().shape == (50,)
    assert model.mean_path(5, 7).shape == (7, 50)
    assert model.n_skus == 50


@pytest.mark.parametrize("model", ALL, ids=lambda m: m.family)
def test_same_seed_same_demand_other_seed_other_demand(model):
    a = ready(model, n_skus=30, seed=4)
    x1 = a.sample(np.random.default_rng(9), 0, 40)
    base1 = a.base_mean()
    b = ready(model, n_skus=30, seed=4)  # a second replication of the same run
    np.testing.assert_array_equal(b.base_mean(), base1)
    np.testing.assert_array_equal(b.sample(np.random.default_rng(9), 0, 40), x1)
    if model.family != "deterministic":
        assert not np.array_equal(b.sample(np.random.default_rng(10), 0, 40), x1)


def test_using_a_model_before_setup_fails_clearly():
    with pytest.raises(RuntimeError, match="setup"):
        Poisson(mean=1.0).mean()


# --------------------------------------------------------------------------- heterogeneity


@pytest.mark.parametrize("cls", [Poisson, Deterministic, Normal])
def test_mean_spread_gives_the_cross_sku_cv_and_keeps_the_population_mean(cls):
    kwargs = {"cv": 0.1} if cls is Normal else {}
    model = ready(cls(mean=10.0, mean_spread=0.5, **kwargs), n_skus=40_000)
    means = model.base_mean()
    assert_mean(means, 10.0, 5.0)
    assert abs(means.std() / means.mean() - 0.5) < 0.03
    # lognormal: the median sits below the mean, at mean / sqrt(1 + cv^2)
    assert abs(np.median(means) - 10.0 / np.sqrt(1.25)) < 0.1


def test_negative_binomial_cv_is_converted_per_sku():
    model = ready(NegativeBinomial(mean=[4.0, 16.0], cv=1.0), n_skus=2)
    np.testing.assert_allclose(population_summary(model)["variance_ratio"], [4.0, 16.0])
    np.testing.assert_allclose(model.std(), [4.0, 16.0])  # cv * mean


def test_probability_spread_is_beta_with_the_requested_mean_and_cv():
    model = ready(Intermittent(probability=0.2, size_mean=2.0, probability_spread=0.6), 40_000)
    p = population_summary(model)["probability"].to_numpy()
    assert np.all((p > 0) & (p < 1))
    assert_mean(p, 0.2, 0.12)
    assert abs(p.std() / p.mean() - 0.6) < 0.03


def test_per_sku_lists_are_taken_as_given():
    model = ready(Poisson(mean=UserList([1.0, 2.0, 3.0])), n_skus=3)  # ListConfig-like
    np.testing.assert_array_equal(model.mean(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"mean has 3 per-SKU values .* n_skus=4"):
        Poisson(mean=[1.0, 2.0, 3.0]).setup(4, np.random.default_rng(0))


def test_population_summary_schema():
    model = Poisson(
        mean=5.0,
        mean_spread=0.3,
        yearly_amplitude=0.2,
        phase_spread=60,
        shocks=[{"period": 10, "factor": 2.0, "fraction": 0.5}],
    )
    model = ready(model, n_skus=8)
    frame = population_summary(model)
    assert list(frame.columns) == [
        "sku",
        "family",
        "mean",
        "std",
        "base_mean",
        "yearly_peak",
        "shock_0",
    ]
    assert isinstance(frame, pd.DataFrame) and len(frame) == 8
    np.testing.assert_array_equal(frame["mean"], model.mean())
    np.testing.assert_array_equal(frame["std"], model.std())
    assert frame["shock_0"].sum() == 4


# --------------------------------------------------------------------------- modulation


def test_mean_path_follows_the_yearly_and_weekly_sinusoids():
    model = ready(
        Deterministic(
            mean=4.0, yearly_amplitude=0.5, yearly_peak=100, weekly_amplitude=0.2, weekly_peak=3
        ),
        n_skus=2,
    )
    t = np.arange(20, 400)
    expected = (
        4.0
        * (1 + 0.5 * np.cos(2 * np.pi * (t - 100) / 365))
        * (1 + 0.2 * np.cos(2 * np.pi * (t - 3) / 7))
    )
    path = model.mean_path(20, 380)
    np.testing.assert_allclose(path[:, 0], expected)
    np.testing.assert_array_equal(path[:, 0], path[:, 1])
    weekly = 1 + 0.2 * np.cos(2 * np.pi * (np.arange(365) - 3) / 7)
    assert np.argmax(model.mean_path(0, 365)[:, 0] / weekly) == 100  # the yearly peak
    np.testing.assert_allclose(model.mean(), model.mean_path(0, 365).mean(axis=0))


def test_weekly_profile_and_trend():
    profile = [1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 0.5]
    model = ready(Deterministic(mean=2.0, weekly_profile=profile, trend=0.01), n_skus=1)
    t = np.arange(0, 30)
    expected = 2.0 * np.array(profile)[t % 7] * (1 + 0.01 * t)
    np.testing.assert_allclose(model.mean_path(0, 30)[:, 0], expected)
    falling = ready(Deterministic(mean=2.0, trend=-0.1), n_skus=1)
    np.testing.assert_allclose(falling.mean_path(9, 4)[:, 0], [0.2, 0.0, 0.0, 0.0], atol=1e-12)


def test_shock_multiplies_from_its_period_on_for_the_chosen_fraction():
    model = ready(Poisson(mean=3.0, shocks=[{"period": 40, "factor": 2.5, "fraction": 0.25}]), 100)
    path = model.mean_path(30, 20)
    hit = population_summary(model)["shock_0"].to_numpy()
    assert hit.sum() == 25
    np.testing.assert_array_equal(path[:10], 3.0)
    np.testing.assert_array_equal(path[10:, hit], 7.5)
    np.testing.assert_array_equal(path[10:, ~hit], 3.0)


def test_phase_spread_randomises_the_yearly_peak_per_sku():
    model = ready(Poisson(mean=3.0, yearly_amplitude=0.3, yearly_peak=200, phase_spread=60), 500)
    peaks = population_summary(model)["yearly_peak"].to_numpy()
    assert peaks.min() >= 170 and peaks.max() <= 230 and peaks.std() > 10
    path = model.mean_path(0, 365)
    np.testing.assert_allclose(np.argmax(path, axis=0), np.round(peaks) % 365, atol=1)


@pytest.mark.parametrize(
    "model",
    [
        Poisson(mean=5.0, yearly_amplitude=0.6, weekly_amplitude=0.3),
        NegativeBinomial(mean=5.0, variance_ratio=2.0, yearly_amplitude=0.6),
        Normal(mean=5.0, cv=0.3, yearly_amplitude=0.6),
        # p * m(t) reaches 1.44: occurrences become certain and sizes grow instead
        Intermittent(probability=0.9, size_mean=2.0, yearly_amplitude=0.6),
    ],
    ids=lambda m: m.family,
)
def test_modulated_samples_follow_the_mean_path(model):
    model = ready(model, n_skus=2000)
    x = model.sample(np.random.default_rng(2), 60, 50)
    path = model.mean_path(60, 50)
    level = path / model.base_mean()
    per_period_var = (model._std_at(level) ** 2).sum(axis=1)
    total, expected = x.sum(axis=1), path.sum(axis=1)
    assert np.all(np.abs(total - expected) < Z * np.sqrt(per_period_var))
    assert np.corrcoef(total, expected)[0, 1] > 0.9


# --------------------------------------------------------------------------- continuous time


def test_poisson_events_have_the_rate_and_the_contract_shape():
    model = ready(Poisson(mean=[0.5, 2.0, 8.0]), n_skus=3)
    times, sku, sizes = model.sample_events(np.random.default_rng(0), 2000.0)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < 2000.0
    assert sku.dtype == np.int64 and sizes.dtype == np.float64
    np.testing.assert_array_equal(sizes, 1.0)
    counts = np.bincount(sku, minlength=3)
    for i, rate in enumerate([0.5, 2.0, 8.0]):
        assert abs(counts[i] - rate * 2000) < Z * np.sqrt(rate * 2000)


def unit_interval_totals(times, sku, sizes, horizon: int, n_skus: int) -> np.ndarray:
    cell = np.floor(times).astype(np.int64) * n_skus + sku
    return np.bincount(cell, weights=sizes, minlength=horizon * n_skus).reshape(horizon, n_skus)


def test_negative_binomial_events_give_nb_counts_per_unit_time():
    """Compound Poisson with logarithmic sizes (Quenouille 1949)."""
    model = ready(NegativeBinomial(mean=4.0, variance_ratio=3.0), n_skus=50)
    times, sku, sizes = model.sample_events(np.random.default_rng(1), 2000.0)
    assert sizes.min() >= 1 and np.all(sizes == np.round(sizes))
    counts = unit_interval_totals(times, sku, sizes, 2000, 50)
    assert_mean(counts, 4.0, np.sqrt(12.0))
    assert_variance(counts, 12.0)


def test_intermittent_events_keep_the_mean_demand_rate():
    model = ready(Intermittent(probability=0.1, size_mean=3.0), n_skus=50)
    times, sku, sizes = model.sample_events(np.random.default_rng(1), 2000.0)
    counts = unit_interval_totals(times, sku, sizes, 2000, 50)
    # Poisson(0.1) arrivals of geometric sizes: variance 0.1 * E[S^2] = 0.1 * 15
    assert_mean(counts, 0.3, np.sqrt(1.5))
    assert_variance(counts, 1.5)


def test_deterministic_events_are_evenly_spaced():
    model = ready(Deterministic(mean=[0.5, 4.0]), n_skus=2)
    times, sku, sizes = model.sample_events(np.random.default_rng(0), 10.0)
    np.testing.assert_allclose(times[sku == 0], [2.0, 4.0, 6.0, 8.0])  # 10.0 is excluded
    np.testing.assert_allclose(times[sku == 1], np.arange(1, 40) / 4.0)
    np.testing.assert_array_equal(sizes, 1.0)


def test_modulated_events_match_the_mean_path_period_by_period():
    model = ready(Poisson(mean=4.0, yearly_amplitude=0.8, yearly_peak=20), n_skus=400)
    times, sku, sizes = model.sample_events(np.random.default_rng(3), 100.5)
    assert times.max() < 100.5
    per_period = np.bincount(np.floor(times).astype(int), minlength=101)
    expected = model.mean_path(0, 101).sum(axis=1)
    expected[-1] *= 0.5  # the last period is cut at 100.5
    assert np.all(np.abs(per_period - expected) < Z * np.sqrt(expected))


def test_modulated_deterministic_events_follow_the_cumulative_demand():
    model = ready(Deterministic(mean=3.0, weekly_profile=[1, 1, 1, 1, 1, 0, 0]), n_skus=2)
    times, sku, _ = model.sample_events(np.random.default_rng(0), 14.0)
    t0 = times[sku == 0]
    assert t0.size == 30  # 10 working days of 3 units
    assert not np.any((t0 > 5) & (t0 <= 7))  # nothing sold over the weekend
    np.testing.assert_allclose(t0[:3], [1 / 3, 2 / 3, 1.0])


def test_normal_has_no_continuous_form():
    with pytest.raises(ValueError, match="'normal' has no continuous-time form; use poisson"):
        ready(Normal(mean=1.0, cv=0.1)).sample_events(np.random.default_rng(0), 10.0)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Poisson(mean=-1), r"mean\(=-1\) must be > 0"),
        (lambda: Poisson(mean=0), r"mean\(=0\) must be > 0"),
        (lambda: Poisson(mean=[1, -2]), r"mean\[1\]\(=-2\) must be > 0"),
        (lambda: Poisson(mean="a lot"), r"mean\(='a lot'\)"),
        (lambda: Poisson(mean=1, mean_spread=-0.5), r"mean_spread\(=-0.5\)"),
        (lambda: Poisson(mean=[1, 2], mean_spread=0.5), r"mean_spread\(=0.5\) needs a single"),
        (lambda: Normal(mean=1), r"exactly one of std\(=None\) and cv\(=None\)"),
        (lambda: Normal(mean=1, std=-1), r"std\(=-1\) must be >= 0"),
        (lambda: NegativeBinomial(mean=2, cv=0.5), r"cv\(=0.5\) gives variance <= mean"),
        (lambda: NegativeBinomial(mean=2, variance_ratio=1), r"variance_ratio\(=1\) must be > 1"),
        (lambda: Intermittent(probability=1.5, size_mean=2), r"probability\(=1.5\) must be in"),
        (lambda: Intermittent(probability=-0.1, size_mean=2), r"probability\(=-0.1\)"),
        (lambda: Intermittent(probability=0.1, size_mean=0.5), r"size_mean\(=0.5\) must be >= 1"),
        (lambda: Intermittent(probability=0.1, size_mean=2, size_dist="weibull"), r"size_dist"),
        (lambda: Intermittent(probability=0.1, size_mean=2, size_cv=1), r"size_cv\(=1\)"),
        (
            lambda: Intermittent(probability=0.1, size_mean=2, size_dist="lognormal"),
            r"size_cv\(=None\) must be given",
        ),
        (
            lambda: Intermittent(probability=0.5, size_mean=2, probability_spread=1.0),
            r"probability_spread\(=1.0\) must be <",
        ),
        (lambda: Poisson(mean=1, weekly_amplitude=1.5), r"weekly_amplitude\(=1.5\) must be in"),
        (lambda: Poisson(mean=1, yearly_amplitude=-0.1), r"yearly_amplitude\(=-0.1\)"),
        (lambda: Poisson(mean=1, phase_spread=400), r"phase_spread\(=400\)"),
        (
            lambda: Poisson(mean=1, weekly_profile=[1] * 6),
            r"weekly_profile\(=\[1, 1, 1, 1, 1, 1\]\)",
        ),
        (lambda: Poisson(mean=1, weekly_profile=[1] * 7, weekly_amplitude=0.2), r"exclusive"),
        (lambda: Poisson(mean=1, trend=float("nan")), r"trend\(=nan\)"),
        (
            lambda: Poisson(mean=1, shocks=[{"period": 5, "factor": 2, "fraction": 2}]),
            r"shocks\[0\].fraction\(=2\) must be in \[0, 1\]",
        ),
        (lambda: Poisson(mean=1, shocks=[{"period": -1, "factor": 2}]), r"period\(=-1\)"),
        (lambda: Poisson(mean=1, shocks=[{"period": 1, "factor": -2}]), r"factor\(=-2\)"),
        (lambda: Poisson(mean=1, shocks=[{"period": 1}]), r"shocks\[0\] needs 'factor'"),
        (lambda: Poisson(mean=1, shocks=[{"period": 1, "factor": 1, "when": 3}]), r"'when'"),
    ],
)
def test_validation_names_the_key_and_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_negative_binomial_cv_is_checked_for_every_sku_at_setup():
    model = NegativeBinomial(mean=5.0, cv=0.5, mean_spread=1.0)  # fine at the mean
    with pytest.raises(ValueError, match=r"cv\(=0.5\) gives variance <= mean at mean .* \(SKU"):
        model.setup(1000, np.random.default_rng(0))


def test_unknown_keys_are_rejected():
    with pytest.raises(TypeError, match="seasonality"):
        Poisson(mean=1.0, seasonality=0.5)


def test_hydra_style_containers_are_accepted():
    omegaconf = pytest.importorskip("omegaconf")
    cfg = omegaconf.OmegaConf.create(
        {"mean": [1.0, 2.0], "shocks": [{"period": 3, "factor": 0.5}], "weekly_profile": [1] * 7}
    )
    model = ready(Poisson(mean=cfg.mean, shocks=cfg.shocks, weekly_profile=cfg.weekly_profile), 2)
    np.testing.assert_allclose(model.mean_path(2, 2), [[1.0, 2.0], [0.5, 1.0]])
    shocks = [MappingProxyType({"period": 3, "factor": 0.5})]
    assert ready(Poisson(mean=1.0, shocks=shocks), 1).mean_path(3, 1)[0, 0] == 0.5


# --------------------------------------------------------------------------- properties

modulations = st.fixed_dictionaries(
    {},
    optional={
        "weekly_amplitude": st.floats(0, 1),
        "yearly_amplitude": st.floats(0, 1),
        "phase_spread": st.floats(0, 365),
        "trend": st.floats(-0.05, 0.05),
        "shocks": st.lists(
            st.fixed_dictionaries(
                {"period": st.integers(0, 50), "factor": st.floats(0, 5)},
                optional={"fraction": st.floats(0, 1)},
            ),
            max_size=2,
        ),
        "promotions": st.fixed_dictionaries(
            {"probability": st.floats(0.01, 1)},
            optional={"duration": st.integers(1, 5), "lift": st.floats(0.01, 5)},
        ),
    },
)
means = st.floats(0.01, 50)
spreads = st.floats(0, 1.5)
families = st.one_of(
    st.tuples(st.just(Poisson), st.fixed_dictionaries({"mean": means, "mean_spread": spreads})),
    st.tuples(
        st.just(NegativeBinomial),
        st.fixed_dictionaries(
            {"mean": means, "variance_ratio": st.floats(1.01, 20), "mean_spread": spreads}
        ),
    ),
    st.tuples(
        st.just(Normal),
        st.fixed_dictionaries({"mean": means, "cv": st.floats(0, 3), "mean_spread": spreads}),
    ),
    st.tuples(
        st.just(Intermittent),
        st.fixed_dictionaries(
            {
                "probability": st.floats(0.01, 1),
                "size_mean": st.floats(1, 20),
                "size_dist": st.sampled_from(["geometric", "poisson"]),
            }
        ),
    ),
    st.tuples(
        st.just(Deterministic), st.fixed_dictionaries({"mean": means, "mean_spread": spreads})
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    family=families,
    modulation=modulations,
    n_skus=st.integers(1, 12),
    start=st.integers(0, 400),
    n_periods=st.integers(0, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_valid_model_gives_non_negative_demand_of_the_right_shape(
    family, modulation, n_skus, start, n_periods, seed
):
    cls, params = family
    model = cls(**params, **modulation)
    model.setup(n_skus, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    x = model.sample(rng, start, n_periods)
    assert x.shape == (n_periods, n_skus) and x.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    assert np.all(model.mean_path(start, n_periods) >= 0)
    assert np.all(model.mean() >= 0) and np.all(model.std() >= 0)
    if model.family != "normal":
        times, sku, sizes = model.sample_events(rng, 20.5)
        assert times.shape == sku.shape == sizes.shape
        assert np.all(np.diff(times) >= 0) and np.all((times >= 0) & (times < 20.5))
        assert np.all((sku >= 0) & (sku < n_skus)) and np.all(sizes > 0)
