"""Croston's method (forecasters/croston.py) and its bias, against SBA and TSB."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.croston import Croston
from forecasters.sba import SBA
from forecasters.tsb import TSB


def test_sba_and_tsb_about_unbiased_croston_biased_up_on_bernoulli_geometric_demand():
    rng = np.random.default_rng(7)
    n_skus, n_periods, p_occur, p_size, alpha = 4000, 300, 0.2, 0.25, 0.1
    y = (rng.random((n_periods, n_skus)) < p_occur) * rng.geometric(p_size, (n_periods, n_skus))
    mu = p_occur / p_size  # mean demand per period
    rel = {}
    for cls in (Croston, SBA, TSB):
        model = cls(alpha=alpha).fit(y[:200])
        means = []
        for t in range(200, n_periods):  # forecasts 25 periods apart, after a burn-in
            model.update(y[t])
            if (t + 1) % 25 == 0:
                means.append(model.predict(1).mean[0])
        per_sku = np.mean(means, axis=0)  # independent across SKUs: CLT over SKUs
        rel[cls.__name__] = (per_sku.mean() / mu - 1, 4 * per_sku.std() / np.sqrt(n_skus) / mu)
    # Syntetos & Boylan (2005): Croston's relative bias is about alpha/(2-alpha) (1 - 1/p),
    # p = 1/p_occur the mean interval (4.2% here). SBA's factor (1 - alpha/2) removes it up
    # to a second-order remainder, (1 - alpha/2)(1 + that) - 1 = -1.0% here; TSB is unbiased
    # (Teunter, Syntetos & Babai 2011). Tolerances: 4 standard errors over SKUs.
    croston_bias = alpha / (2 - alpha) * (1 - p_occur)
    expected = {
        "Croston": croston_bias,
        "SBA": (1 - alpha / 2) * (1 + croston_bias) - 1,
        "TSB": 0.0,
    }
    for name, (bias, tol) in rel.items():
        assert abs(bias - expected[name]) < tol, (name, rel)
    assert rel["Croston"][0] > rel["Croston"][1]  # Croston: biased upwards
    assert abs(rel["SBA"][0]) < rel["Croston"][0] / 2  # SBA: most of it removed


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"alpha": None}, "alpha"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        Croston(**kwargs)


def test_croston_forecasts_the_smoothed_size_over_the_smoothed_interval():
    """Croston (1972) by hand: demands 4, 6 and 2 in periods 1, 4 and 5."""
    y = np.array([0.0, 4.0, 0.0, 0.0, 6.0, 2.0, 0.0])[:, None]
    alpha = 0.5
    size, interval = 4.0, 2.0  # the first demand: its size and the periods up to it
    size, interval = size + alpha * (6.0 - size), interval + alpha * (3.0 - interval)
    size, interval = size + alpha * (2.0 - size), interval + alpha * (1.0 - interval)
    fc = Croston(alpha=alpha).fit(y).predict(2)
    np.testing.assert_allclose(fc.mean, size / interval, rtol=1e-12)
    assert Croston(alpha=alpha).fit(np.zeros((5, 1))).predict(1).mean[0, 0] == 0.0
