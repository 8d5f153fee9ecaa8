"""The shared smoothing plumbing (forecasters/smoothing.py): psi weights and predictive
spreads against Hyndman et al.'s closed forms, the recursive forecasters' guards, and the
recursions written out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from forecasters.naive import Naive
from forecasters.ses import SES
from forecasters.smoothing import (
    SmoothingState,
    initial_state,
    predictive_std,
    smooth,
    smoothing_psi,
    working_state,
)


def test_holt_winters_psi_weights_are_ets_aaa():
    # Hyndman et al. (2008), Table 6.1: psi_j = alpha + alpha beta j + gamma [j mod m = 0].
    psi = smoothing_psi(15, np.array([0.3]), np.array([0.1]), np.array([0.2]), 7)[:, 0]
    j = np.arange(15)
    expected = np.where(j == 0, 1.0, 0.3 + 0.03 * j + 0.2 * ((j % 7 == 0) & (j > 0)))
    np.testing.assert_allclose(psi, expected, rtol=1e-12)
    # Naive: random walk, Var of the k-period sum = sigma^2 (1^2 + ... + k^2).
    _, sum_std = predictive_std(np.ones((4, 1)), np.array([2.0]))
    np.testing.assert_allclose(sum_std[:, 0], 2.0 * np.sqrt([1, 5, 14, 30]), rtol=1e-12)


def test_predict_before_fit_and_bad_update_raise():
    with pytest.raises(RuntimeError, match="not fitted"):
        SES().predict(3)
    model = Naive().fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="3"):
        model.update(np.ones(2))
    with pytest.raises(ValueError, match="h"):
        model.predict(0)


def test_initial_state_without_season_is_a_line_through_the_first_ten_periods():
    y = np.column_stack([4.0 + 0.5 * np.arange(1.0, 21.0), np.full(20, 7.0)])
    state = initial_state(y, trend=True)
    np.testing.assert_allclose(state.level, [4.0, 7.0], rtol=1e-12)  # its value at period 0
    np.testing.assert_allclose(state.trend, [0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(initial_state(y, trend=False).level, y[:10].mean(axis=0))


def test_initial_seasons_are_centred_additive_or_average_one_multiplicative():
    pattern = np.array([1.0, -2.0, 3.0, -2.0])  # sums to 0
    additive = initial_state(
        (10.0 + np.tile(pattern, 4))[:, None], trend=False, seasonal="additive", season_length=4
    )
    np.testing.assert_allclose(additive.level, [10.0], rtol=1e-12)
    np.testing.assert_allclose(additive.season[:, 0], pattern, atol=1e-12)
    multiplicative = initial_state(
        (10.0 * (1 + 0.1 * np.tile(pattern, 4)))[:, None],
        trend=False,
        seasonal="multiplicative",
        season_length=4,
    )
    np.testing.assert_allclose(multiplicative.season[:, 0], 1 + 0.1 * pattern, rtol=1e-12)


# --------------------------------------------------------------------------- compiled loop
_FLOOR = 1e-8


def _numpy_smooth(
    y: np.ndarray,
    state: SmoothingState,
    alpha: Any,
    beta: Any = None,
    gamma: Any = None,
    *,
    seasonal: str | None = None,
    fitted: bool = False,
) -> tuple[SmoothingState, np.ndarray | None]:
    """The recursion as numpy wrote it before it was compiled (the reference; the arrays
    it works on are set up as smooth() sets them up)."""
    alpha, beta, gamma, work = working_state(state, alpha, beta, gamma)
    level, trend, season, sse = work.level, work.trend, work.season, work.sse
    shape = level.shape
    m = 1 if season is None else season.shape[0]
    out = np.empty((y.shape[0], *shape)) if fitted else None
    multiplicative = seasonal == "multiplicative"
    # Work arrays, updated in place: this loop is the cost of every fit.
    base, f, e, tmp, tmp2 = (np.empty(shape) for _ in range(5))
    if multiplicative:
        alpha_c, gamma_c = 1.0 - alpha, 1.0 - gamma
    else:  # the trend's gain in the error-correction form (unused without a trend)
        alpha_beta = alpha if trend is None else alpha * beta
    for t in range(y.shape[0]):
        yt = y[t]
        if trend is not None:
            np.add(level, trend, out=base)
        elif multiplicative:  # the season update below needs l after l is overwritten
            base[...] = level
        else:
            base = level
        if season is None:
            f = base
        else:
            s = season[(state.n + t) % m]
            (np.multiply if multiplicative else np.add)(base, s, out=f)
        np.subtract(yt, f, out=e)
        np.multiply(e, e, out=tmp)
        sse += tmp
        if out is not None:
            out[t] = f
        if not multiplicative:  # error-correction form: l + b + alpha e, b + alpha beta e, ...
            np.multiply(alpha, e, out=tmp)
            np.add(base, tmp, out=level)
            if trend is not None:
                np.multiply(alpha_beta, e, out=tmp)
                trend += tmp
            if season is not None:
                np.multiply(gamma, e, out=tmp)
                s += tmp
            continue
        # level: alpha y / s + (1 - alpha)(l + b)
        np.maximum(s, _FLOOR, out=tmp)
        np.divide(yt, tmp, out=tmp)
        np.multiply(alpha, tmp, out=tmp)
        np.multiply(alpha_c, base, out=tmp2)
        np.add(tmp, tmp2, out=level)
        # season: gamma y / (l + b) + (1 - gamma) s
        np.maximum(base, _FLOOR, out=tmp)
        np.divide(yt, tmp, out=tmp)
        np.multiply(gamma, tmp, out=tmp)
        np.multiply(gamma_c, s, out=tmp2)
        np.add(tmp, tmp2, out=s)
        if trend is not None:  # beta (l_t - l) + (1 - beta) b  =  b + beta (l_t - (l + b))
            np.subtract(level, base, out=tmp)
            np.multiply(beta, tmp, out=tmp)
            trend += tmp
    return SmoothingState(level, trend, season, sse, state.n + y.shape[0]), out


def _states(rng, shape, trend, m):
    return SmoothingState(
        rng.uniform(1.0, 20.0, shape),
        rng.normal(0.0, 0.5, shape) if trend else None,
        rng.uniform(0.5, 1.5, (m, *shape)) if m else None,
        rng.uniform(0.0, 5.0, shape),
        int(rng.integers(0, 30)),
    )


def _assert_same(mine, ref):
    for got, want in zip(
        (mine[0].level, mine[0].trend, mine[0].season, mine[0].sse, mine[1]),
        (ref[0].level, ref[0].trend, ref[0].season, ref[0].sse, ref[1]),
        strict=True,
    ):
        assert (got is None) == (want is None)
        if got is not None:
            assert got.shape == want.shape and got.tobytes() == want.tobytes()
    assert mine[0].n == ref[0].n


@pytest.mark.parametrize("seasonal", [None, "additive", "multiplicative"])
@pytest.mark.parametrize("trend", [False, True])
@pytest.mark.parametrize("fitted", [False, True])
def test_compiled_smooth_equals_the_numpy_recursion_bit_for_bit(seasonal, trend, fitted):
    """SES, Holt and Holt-Winters (both seasons) over a grid of parameters (n_grid, 1)
    against per-SKU states, per-SKU parameters and scalars, with zeros and NaN in y."""
    rng = np.random.default_rng(5)
    n, m = 6, (7 if seasonal else 0)
    y = rng.poisson(8.0, (40, n)).astype(float)
    y[3, 1] = 0.0
    y[5, 2] = np.nan
    state = _states(rng, (n,), trend, m)
    grid = [rng.uniform(0.05, 1.0, (5, 1)) for _ in range(3)]
    per_sku = [rng.uniform(0.05, 1.0, n) for _ in range(3)]
    for alpha, beta, gamma in (grid, per_sku, (0.3, 0.1, 0.2)):
        args = (alpha, beta if trend else None, gamma if seasonal else None)
        _assert_same(
            smooth(y, state, *args, seasonal=seasonal, fitted=fitted),
            _numpy_smooth(y, state, *args, seasonal=seasonal, fitted=fitted),
        )


def test_compiled_smooth_broadcasts_a_row_of_y_as_numpy_did():
    """One series against several SKUs' states (a (T, 1) y), and one period (T = 1)."""
    rng = np.random.default_rng(9)
    y = rng.poisson(5.0, (20, 1)).astype(float)
    state = _states(rng, (4,), True, 0)
    _assert_same(smooth(y, state, 0.4, 0.2), _numpy_smooth(y, state, 0.4, 0.2))
    _assert_same(
        smooth(y[:1], state, 0.4, 0.2, fitted=True),
        _numpy_smooth(y[:1], state, 0.4, 0.2, fitted=True),
    )
