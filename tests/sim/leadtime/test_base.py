"""The lead-time contract (sim.leadtime.base) over every model: grids and continuous draws,
seeds, setup, and the messages of the shared validators (CLT tolerances as in
tests/sim/moments.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.leadtime import Deterministic, Discrete, Poisson, ShiftedGamma
from tests.sim.leadtime.helpers import ready


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
