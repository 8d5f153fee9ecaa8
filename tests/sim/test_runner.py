"""sim.runner: argument checks, replication seeding, review modes, a closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasters.ses import SES
from policies.base_stock import BaseStock
from sim.demand import Deterministic, Poisson
from sim.network import Costs, Serial, Single
from sim.runner import (
    REVIEW_MODES,
    ContinuousReview,
    NotApplicable,
    PeriodicReview,
    Scenario,
    simulate,
)


def _scenario(**kwargs: object) -> Scenario:
    return Scenario(Single(lead_time=1), Poisson(mean=3.0), n_skus=2, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, r"horizon\(=0\) must be"),
        ({"horizon": 10, "warmup": -1}, r"warmup\(=-1\) must be"),
        ({"horizon": 10, "replications": 0}, r"replications\(=0\) must be"),
        ({"horizon": 10, "warmup": 10}, r"warmup\(=10\) must be < horizon\(=10\)"),
        ({"horizon": 10, "seed": -1}, r"seed\(=-1\) must be a non-negative integer"),
    ],
)
def test_simulate_refuses_bad_run_settings_naming_the_key(
    kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(_scenario(), BaseStock(level=5.0), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"review": "weekly"}, r"review\(='weekly'\) must be one of periodic, continuous"),
        (
            {"unmet_demand": "queue"},
            r"unmet_demand\(='queue'\) must be one of backorder, lost_sales",
        ),
        ({"initial_stock": -1}, r"initial_stock\(=-1\) must be 'auto' or a number >= 0"),
    ],
)
def test_scenario_refuses_unknown_modes(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _scenario(**kwargs)


def test_each_review_mode_is_a_class_looked_up_by_name() -> None:
    assert REVIEW_MODES == ("periodic", "continuous")
    assert isinstance(_scenario().review_mode, PeriodicReview)
    continuous = _scenario(review="continuous").review_mode
    assert isinstance(continuous, ContinuousReview)
    assert continuous.continuous and not PeriodicReview.continuous
    assert PeriodicReview.columns_obstacle is None
    assert "continuous review" in str(ContinuousReview.columns_obstacle)


def test_continuous_review_refuses_what_it_cannot_simulate() -> None:
    serial = Scenario(Serial(stages=2), Poisson(mean=3.0), review="continuous")
    with pytest.raises(ValueError, match=r"review=continuous supports network=single only"):
        simulate(serial, BaseStock(level=5.0), horizon=10)
    priced = _scenario(
        review="continuous",
        costs=Costs(discounts={"kind": "all_units", "breakpoints": [0], "unit_costs": [1.0]}),
    )
    with pytest.raises(ValueError, match=r"costs.discounts needs review=periodic"):
        simulate(priced, BaseStock(level=5.0), horizon=10)
    forecast = _scenario(review="continuous", forecaster=SES())
    with pytest.raises(NotApplicable, match=r"forecasters run with review=periodic only"):
        simulate(forecast, BaseStock(level=5.0), horizon=10)


def _per_replication(seed: int) -> pd.DataFrame:
    result = simulate(_scenario(), BaseStock(level=6.0), horizon=40, replications=3, seed=seed)
    return pd.DataFrame(result.per_replication)


def test_the_same_seed_gives_the_same_replications_and_another_seed_others() -> None:
    first = _per_replication(7)
    pd.testing.assert_frame_equal(first, _per_replication(7))
    assert not first.equals(_per_replication(8))
    # replications are independent draws: no two alike
    assert first["cost_per_period"].nunique() == 3


def test_base_stock_under_constant_demand_holds_the_level_less_its_protection() -> None:
    """Constant demand ``d``, lead time ``L = 2``, review every period: the order-up-to
    level ``S`` covers the protection interval of ``L + R - 1 = 2`` periods (the engine's
    period convention, sim/engine.py), so at every period's end ``S - 2d`` is on hand and
    one period's order, ``d``, is in transit; nothing is ever short."""
    level, d, n_skus = 20.0, 4.0, 2
    scenario = Scenario(
        Single(lead_time=2),
        Deterministic(mean=d),
        costs=Costs(holding=1.5),
        n_skus=n_skus,
        initial_stock=level,
    )
    result = simulate(scenario, BaseStock(level=level), horizon=60, warmup=10, replications=2)
    kpis = {k: v["mean"] for k, v in result.kpis.items()}
    assert kpis["avg_on_hand"] == pytest.approx(n_skus * (level - 2 * d))
    assert kpis["avg_in_transit"] == pytest.approx(n_skus * d)
    assert kpis["holding_cost"] == pytest.approx(1.5 * n_skus * (level - 2 * d))
    assert kpis["fill_rate"] == 1.0
    assert kpis["avg_backorders"] == 0.0
    np.testing.assert_array_equal(result.sku_table["sku"].unique(), [0, 1])
