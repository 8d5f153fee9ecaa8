"""Lead-time models against their closed forms (CLT tolerances as in test_demand.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.leadtime import Deterministic, Discrete, Poisson, ShiftedGamma
from tests.sim.moments import Z, assert_mean, assert_variance


def ready(model, n_skus: int = 100):
    model = copy.deepcopy(model)
    model.setup(n_skus, np.random.default_rng(0))
    return model


# (model, mean, variance) of the periodic lead time
MOMENTS = [
    pytest.param(Poisson(mean=5.0, shift=2), 5.0, 3.0, id="poisson"),
    pytest.param(Poisson(mean=1.5), 1.5, 1.5, id="poisson-unshifted"),
    # 3*.1 + 4*.3 + 5*.3 + 6*.2 + 7*.1 = 4.9; E[X^2] = 25.3; variance 1.29
    pytest.param(
        Discrete(values=[3, 4, 5, 6, 7], probabilities=[0.1, 0.3, 0.3, 0.2, 0.1]),
        4.9,
        1.29,
        id="discrete",
    ),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_periodic_moments_match_closed_form(model, mean, variance):
    model = ready(model)
    np.testing.assert_allclose(model.mean(), mean)
    np.testing.assert_allclose(model.std(), np.sqrt(variance))
    x = model.sample(np.random.default_rng(1), 2000)  # 200,000 draws
    assert x.dtype == np.int64 and x.shape == (2000, 100) and x.min() >= 0
    assert_mean(x, mean, np.sqrt(variance))
    assert_variance(x, variance)


def test_poisson_never_goes_below_its_shift():
    x = ready(Poisson(mean=2.5, shift=2)).sample(np.random.default_rng(0), 500)
    assert x.min() == 2


def test_discrete_frequencies_match_the_probabilities():
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    model = ready(Discrete(values=[0, 1, 2, 9], probabilities=list(probs)))
    x = model.sample(np.random.default_rng(2), 1000).ravel()
    freq = np.array([(x == v).mean() for v in [0, 1, 2, 9]])
    se = np.sqrt(probs * (1 - probs) / x.size)
    assert np.all(np.abs(freq - probs) <= Z * se)
    assert freq[1] == 0.0


def test_shifted_gamma_continuous_moments():
    """Gamma part: shape 1/cv^2, scale (mean - shift) cv^2."""
    model = ready(ShiftedGamma(shift=2.0, mean=6.0, cv=0.5))
    np.testing.assert_allclose(model.mean(), 6.0)
    np.testing.assert_allclose(model.std(), 2.0)
    x = model.sample_continuous(np.random.default_rng(3), 200_000)
    assert x.dtype == np.float64 and x.min() >= 2.0
    assert_mean(x, 6.0, 2.0)
    assert_variance(x, 4.0)


def test_shifted_gamma_periodic_is_the_rounded_continuous_draw():
    model = ready(ShiftedGamma(shift=1.0, mean=4.2, cv=0.8), n_skus=7)
    grid = model.sample(np.random.default_rng(4), 300)
    flat = model.sample_continuous(np.random.default_rng(4), 300 * 7)
    assert grid.dtype == np.int64
    np.testing.assert_array_equal(grid.ravel(), np.rint(flat).astype(np.int64))
    assert not np.array_equal(flat, np.round(flat))


def test_deterministic_per_sku_values():
    model = ready(Deterministic(value=[0, 2, 5]), n_skus=3)
    x = model.sample(np.random.default_rng(0), 4)
    np.testing.assert_array_equal(x, np.tile([0, 2, 5], (4, 1)))
    assert x.dtype == np.int64
    np.testing.assert_array_equal(model.std(), 0.0)
    got = model.sample_continuous(np.random.default_rng(0), 3, sku=np.array([2, 0, 1]))
    np.testing.assert_array_equal(got, [5.0, 0.0, 2.0])
    assert got.dtype == np.float64


def test_continuous_draws_are_floats_of_the_integer_model():
    model = ready(Poisson(mean=3.0, shift=1))
    x = model.sample_continuous(np.random.default_rng(0), 1000)
    assert x.dtype == np.float64 and x.shape == (1000,)
    np.testing.assert_array_equal(x, np.round(x))
    assert ready(Deterministic(value=4)).sample_continuous(
        np.random.default_rng(0), 2
    ).tolist() == [4.0, 4.0]


def test_heterogeneous_models_need_the_sku_of_each_order():
    model = ready(Poisson(mean=[1.0, 30.0], shift=[0, 25]), n_skus=2)
    with pytest.raises(ValueError, match="pass sku="):
        model.sample_continuous(np.random.default_rng(0), 5)
    x = model.sample_continuous(np.random.default_rng(0), 4, sku=np.array([1, 1, 0, 1]))
    assert np.all(x[[0, 1, 3]] >= 25) and x[2] < 25
    with pytest.raises(ValueError, match=r"SKU indices in \[0, 2\)"):
        model.sample_continuous(np.random.default_rng(0), 1, sku=np.array([2]))


def test_orders_can_cross():
    x = ready(Poisson(mean=4.0), n_skus=1).sample(np.random.default_rng(0), 200)[:, 0]
    arrival = np.arange(200) + x
    assert np.any(arrival[1:] < arrival[:-1])


def test_same_seed_same_grid_other_seed_other_grid():
    model = ready(Discrete(values=[1, 2, 3], probabilities=[0.2, 0.5, 0.3]), n_skus=20)
    a = model.sample(np.random.default_rng(8), 50)
    np.testing.assert_array_equal(a, model.sample(np.random.default_rng(8), 50))
    assert not np.array_equal(a, model.sample(np.random.default_rng(9), 50))


def test_using_a_model_before_setup_fails_clearly():
    with pytest.raises(RuntimeError, match="setup"):
        Poisson(mean=2.0).sample(np.random.default_rng(0), 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Deterministic(value=-1), r"^lead_time value\(=-1\) must be >= 0$"),
        (lambda: Deterministic(value=[1, -3]), r"value\[1\]\(=-3\) must be >= 0"),
        (lambda: Deterministic(value=1.5), r"value\(=1.5\) must be an integer"),
        (lambda: Poisson(mean=-2.0), r"mean\(=-2\) must be >= 0"),
        (lambda: Poisson(mean=2.0, shift=3), r"mean\(=2\) must be >= shift\(=3\)"),
        (lambda: Poisson(mean=2.0, shift=-1), r"shift\(=-1\) must be >= 0"),
        (
            lambda: Discrete(values=[1, 2], probabilities=[0.5, 0.4]),
            r"probabilities\(=\[.*\]\) must sum to 1",
        ),
        (
            lambda: Discrete(values=[1, 2], probabilities=[1.2, -0.2]),
            r"probabilities\[0\]\(=1.2\) must be in \[0, 1\]",
        ),
        (lambda: Discrete(values=[1, -2], probabilities=[0.5, 0.5]), r"values\[1\]\(=-2\)"),
        (lambda: Discrete(values=[1, 2, 3], probabilities=[0.5, 0.5]), r"values has 3 entries"),
        (lambda: ShiftedGamma(shift=-1, mean=3, cv=0.5), r"shift\(=-1\) must be >= 0"),
        (lambda: ShiftedGamma(shift=3, mean=3, cv=0.5), r"mean\(=3\) must be > shift\(=3\)"),
        (lambda: ShiftedGamma(shift=1, mean=3, cv=0), r"cv\(=0\) must be > 0"),
    ],
)
def test_validation_names_the_key_and_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_discrete_accepts_sums_within_tolerance_and_hydra_lists():
    Discrete(values=[1, 2, 3], probabilities=[0.1, 0.2, 0.7 + 5e-10])
    omegaconf = pytest.importorskip("omegaconf")
    cfg = omegaconf.OmegaConf.create({"values": [3, 4], "probabilities": [0.25, 0.75]})
    model = ready(Discrete(values=cfg["values"], probabilities=cfg.probabilities), n_skus=2)
    np.testing.assert_allclose(model.mean(), 3.75)


def test_per_sku_list_length_is_checked_at_setup():
    with pytest.raises(ValueError, match=r"value has 2 per-SKU values .* n_skus=3"):
        Deterministic(value=[1, 2]).setup(3, np.random.default_rng(0))


models = st.one_of(
    st.builds(Deterministic, value=st.integers(0, 20)),
    st.integers(0, 5).flatmap(
        lambda s: st.builds(Poisson, mean=st.floats(s, s + 10), shift=st.just(s))
    ),
    st.lists(st.floats(0.01, 1), min_size=1, max_size=6).flatmap(
        lambda w: st.builds(
            Discrete,
            values=st.lists(st.integers(0, 30), min_size=len(w), max_size=len(w)),
            probabilities=st.just([x / sum(w) for x in w]),
        )
    ),
    st.floats(0, 5).flatmap(
        lambda s: st.builds(
            ShiftedGamma, shift=st.just(s), mean=st.floats(s + 0.01, s + 20), cv=st.floats(0.05, 3)
        )
    ),
)


@settings(max_examples=60, deadline=None)
@given(model=models, n_skus=st.integers(1, 10), n=st.integers(0, 40), seed=st.integers(0, 999))
def test_any_valid_model_gives_non_negative_integer_grids(model, n_skus, n, seed):
    model.setup(n_skus, np.random.default_rng(seed))
    x = model.sample(np.random.default_rng(seed), n)
    assert x.shape == (n, n_skus) and x.dtype == np.int64 and np.all(x >= 0)
    y = model.sample_continuous(np.random.default_rng(seed), n)
    assert y.shape == (n,) and y.dtype == np.float64 and np.all(y >= 0)
    assert np.all(model.mean() >= 0) and np.all(model.std() >= 0)
