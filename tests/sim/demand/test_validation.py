"""Bad demand parameters are refused with messages that name the key and the value
(sim.demand.validation, used by every family and the modulation)."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

from sim.demand import Intermittent, NegativeBinomial, Normal, Poisson
from tests.sim.demand.helpers import ready


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
