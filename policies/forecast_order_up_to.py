"""Forecast-driven order-up-to: at each review, order up to the alpha-quantile of demand
over the protection interval, as the forecaster sees it now.

``S_t = mu_t + safety_t``, ``mu_t`` the forecast of demand summed over the protection
interval ``P`` (``L + R - 1`` periods, Stocklab's convention). ``alpha`` is
``service_level`` when given, else the critical ratio ``p / (p + h)``. The safety stock:

``normal``
    ``z_alpha * sigma_P`` with ``sigma_P`` the std of past errors of *P-period sums*
    measured during the run (rolling window) -- it sees autocorrelated and growing errors
    that the shortcut misses;
``sqrt``
    the textbook shortcut ``z_alpha * sigma_1 * sqrt(P)`` from one-step errors, which
    under-covers when errors are correlated over the interval (kept for comparison);
``empirical``
    the alpha-quantile of past P-period sum errors (no distributional assumption);
``model``
    the forecaster's own distribution of the P-period sum (ETS intervals, sample paths);
``poisson`` / ``negative_binomial``
    the alpha-quantile of a Poisson with mean ``mu_t``, or of a negative binomial with
    that mean and the variance of the sum errors (at least ``mu_t``) -- for slow movers.

With ``fill_rate`` set, the normal safety factor ``k`` instead meets a fill-rate target:
``sigma_P G(k) = (1 - fill_rate) * Q`` with ``G`` the standard normal loss function and
``Q`` the expected demand per review cycle (Silver, Pyke & Thomas 2017, Sec. 6.7.4).
Until the run has ``min_errors`` sum errors for a SKU, ``normal`` and ``empirical`` use
the model's distribution when it has one, else the shortcut.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

import numpy as np
from scipy import stats

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array
from policies.optimal import normal_loss

#: The safety-stock methods (``safety_stock`` in the configuration; module docstring).
SafetyStockName = Literal["normal", "sqrt", "empirical", "model", "poisson", "negative_binomial"]
#: What an upstream node forecasts (``upstream_signal``; see :attr:`ForecastOrderUpTo.SIGNALS`).
UpstreamSignal = Literal["echelon_demand", "orders"]


def column_quantile(samples: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The ``alpha[i]``-quantile of column ``i`` of ``samples``, NaNs ignored (linear
    interpolation between order statistics); NaN for a column without values."""
    ordered = np.sort(samples, axis=0)  # NaNs sort last
    count = np.sum(~np.isnan(samples), axis=0)
    pos = alpha * np.maximum(count - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    cols = np.arange(samples.shape[1])
    frac = pos - lo
    out = ordered[lo, cols] * (1 - frac) + ordered[hi, cols] * frac
    return np.where(count > 0, out, np.nan)


def normal_loss_inverse(target: np.ndarray) -> np.ndarray:
    """``k`` with ``G(k) = target`` (G decreasing), by vectorised bisection on [-6, 6]."""
    lo = np.full_like(target, -6.0, dtype=float)
    hi = np.full_like(target, 6.0, dtype=float)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = normal_loss(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class ServiceTarget:
    """What the safety stock aims at, per SKU: the quantile ``alpha`` (and its normal
    ``z``), or a ``fill_rate`` with the expected demand per review cycle."""

    alpha: np.ndarray
    z: np.ndarray
    fill_rate: float | None
    cycle_demand: np.ndarray | None

    def normal_factor(self, sigma: np.ndarray) -> np.ndarray:
        """The normal safety factor ``k``: it meets ``fill_rate`` when one is set
        (``sigma G(k) = (1 - fill_rate) Q``), else ``z_alpha``."""
        if self.fill_rate is None:
            return self.z
        if self.cycle_demand is None:
            raise ValueError("fill_rate needs the demand per review cycle (cycle_demand)")
        target = (1.0 - self.fill_rate) * self.cycle_demand / np.maximum(sigma, 1e-9)
        return normal_loss_inverse(target)


def _model_or_shortcut(fc: Forecast, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The std of the P-period demand sum by the forecaster's own model (the shortcut where
    it has none), and the shortcut ``sigma_1 sqrt(P)`` from one-step errors."""
    model = fc.cumulative_std(periods)
    # one-step error std measured in the run; the model's own where there is none yet
    own = fc.std[0] if fc.std is not None else np.zeros(fc.n_skus)
    one = fc.one_step_error_std
    one = own if one is None else np.where(np.isnan(one), own, one)
    shortcut = one * np.sqrt(periods)
    return (model if model is not None else shortcut), shortcut


def rolling_sigma(fc: Forecast, periods: np.ndarray) -> np.ndarray:
    """The std of past errors of P-period sums measured in the run; where a SKU has too few
    yet, the model's std of the sum (the shortcut where the model has none)."""
    rolling = fc.error_sum_std
    if rolling is not None and not np.isnan(rolling).any():
        return rolling  # the usual case once the run has its errors
    fallback, _ = _model_or_shortcut(fc, periods)
    if rolling is None:
        return fallback
    return np.where(np.isnan(rolling), fallback, rolling)


class SafetyStock(ABC):
    """One safety-stock method: the order-up-to level from the forecast's mean demand over
    the protection interval. A method is chosen once, by its ``name``, in
    :class:`ForecastOrderUpTo`; :data:`SAFETY_STOCK_METHODS` lists them."""

    #: The value of ``safety_stock`` that chooses this method.
    name: ClassVar[SafetyStockName]
    #: Whether ``fill_rate`` sets the safety factor (instead of the quantile ``alpha``).
    uses_fill_rate: ClassVar[bool] = False

    @abstractmethod
    def level(
        self, fc: Forecast, periods: np.ndarray, mean: np.ndarray, target: ServiceTarget
    ) -> np.ndarray:
        """``S_t`` per SKU, ``mean`` the forecast demand over the ``periods`` (>= 0)."""


class NormalSafetyStock(SafetyStock):
    """``mean + k sigma_P``, ``sigma_P`` the rolling std of P-period sum errors."""

    name: ClassVar[SafetyStockName] = "normal"
    uses_fill_rate = True

    def sigma(self, fc: Forecast, periods: np.ndarray) -> np.ndarray:
        return rolling_sigma(fc, periods)

    def level(
        self, fc: Forecast, periods: np.ndarray, mean: np.ndarray, target: ServiceTarget
    ) -> np.ndarray:
        sigma = self.sigma(fc, periods)
        return mean + target.normal_factor(sigma) * sigma


class SqrtSafetyStock(NormalSafetyStock):
    """The textbook shortcut ``sigma_P = sigma_1 sqrt(P)`` from one-step errors."""

    name = "sqrt"

    def sigma(self, fc: Forecast, periods: np.ndarray) -> np.ndarray:
        return _model_or_shortcut(fc, periods)[1]


class ModelSafetyStock(NormalSafetyStock):
    """The forecaster's own std of the P-period sum (the shortcut where it has none)."""

    name = "model"

    def sigma(self, fc: Forecast, periods: np.ndarray) -> np.ndarray:
        return _model_or_shortcut(fc, periods)[0]


class EmpiricalSafetyStock(NormalSafetyStock):
    """The alpha-quantile of past P-period sum errors, where a SKU has enough of them;
    ``mean + z_alpha sigma`` for the others, and the normal method until any SKU has."""

    name = "empirical"
    uses_fill_rate = False

    def level(
        self, fc: Forecast, periods: np.ndarray, mean: np.ndarray, target: ServiceTarget
    ) -> np.ndarray:
        samples = fc.error_sum_samples
        enough = ~np.isnan(fc.error_sum_std) if fc.error_sum_std is not None else None
        if samples is None or enough is None or not enough.any():
            return super().level(fc, periods, mean, target)
        sigma = self.sigma(fc, periods)
        quantile = column_quantile(samples, target.alpha)
        return np.where(enough, mean + quantile, mean + target.z * sigma)


class PoissonSafetyStock(SafetyStock):
    """The alpha-quantile of a Poisson with the forecast mean (no error statistics)."""

    name = "poisson"

    def level(
        self, fc: Forecast, periods: np.ndarray, mean: np.ndarray, target: ServiceTarget
    ) -> np.ndarray:
        return stats.poisson.ppf(target.alpha, np.maximum(mean, 1e-12)).astype(float)


class NegativeBinomialSafetyStock(SafetyStock):
    """The alpha-quantile of a negative binomial with the forecast mean and the variance of
    the sum errors, at least the mean (an NB is never under-dispersed)."""

    name = "negative_binomial"

    def level(
        self, fc: Forecast, periods: np.ndarray, mean: np.ndarray, target: ServiceTarget
    ) -> np.ndarray:
        sigma = rolling_sigma(fc, periods)
        var = np.maximum(sigma**2, mean * (1 + 1e-6))
        success = np.clip(mean / var, 1e-9, 1 - 1e-9)
        size = mean * success / (1 - success)
        return stats.nbinom.ppf(target.alpha, np.maximum(size, 1e-12), success).astype(float)


#: Each safety-stock method by its ``safety_stock`` name, in the documented order.
SAFETY_STOCK_METHODS: dict[str, type[SafetyStock]] = {
    method.name: method
    for method in (
        NormalSafetyStock,
        SqrtSafetyStock,
        EmpiricalSafetyStock,
        ModelSafetyStock,
        PoissonSafetyStock,
        NegativeBinomialSafetyStock,
    )
}
SAFETY_STOCKS: tuple[SafetyStockName, ...] = get_args(SafetyStockName)
#: The safety stocks whose factor ``fill_rate`` sets instead of the quantile ``alpha``.
FILL_RATE_STOCKS = tuple(name for name, m in SAFETY_STOCK_METHODS.items() if m.uses_fill_rate)


class ForecastOrderUpTo(Policy):
    """Order ``max(S_t - position, 0)`` with ``S_t`` from the forecast."""

    param_names = (
        "service_level",
        "safety_stock",
        "fill_rate",
        "alpha",
        "cycle_demand",
        "upstream_signal",
    )
    optional_names = ("service_level", "fill_rate", "alpha", "cycle_demand")
    needs_forecast = True
    #: What an upstream node forecasts: its customers' ``orders``, or the summed customer
    #: demand below it (``echelon_demand``). A demand-facing node forecasts its customers.
    SIGNALS: tuple[UpstreamSignal, ...] = get_args(UpstreamSignal)

    def __init__(
        self,
        *,
        service_level: float | None = None,
        safety_stock: SafetyStockName = "normal",
        fill_rate: float | None = None,
        alpha: float | list[float] | np.ndarray | None = None,
        cycle_demand: np.ndarray | None = None,
        upstream_signal: UpstreamSignal = "echelon_demand",
    ):
        if upstream_signal not in self.SIGNALS:
            raise ValueError(
                f"policy.upstream_signal(={upstream_signal!r}) must be one of "
                f"{', '.join(self.SIGNALS)}"
            )
        self.upstream_signal = upstream_signal
        for key, v in (("service_level", service_level), ("fill_rate", fill_rate)):
            if v is not None and not 0 < float(v) < 1:
                raise ValueError(f"policy.{key}(={v}) must be in (0, 1)")
        if safety_stock not in SAFETY_STOCK_METHODS:
            raise ValueError(
                f"policy.safety_stock(={safety_stock!r}) must be one of {', '.join(SAFETY_STOCKS)}"
            )
        self.service_level = service_level
        self.safety_stock = safety_stock
        self.method = SAFETY_STOCK_METHODS[safety_stock]()
        self.fill_rate = fill_rate
        self.alpha = alpha  # per-SKU target quantile, set by prepare
        self.cycle_demand = cycle_demand  # expected demand per review cycle, set by prepare
        self.target = None
        if alpha is not None:
            alpha = np.asarray(alpha, dtype=float)
            self.target = ServiceTarget(alpha, stats.norm.ppf(alpha), fill_rate, cycle_demand)

    def prepare(self, context: PlanningContext) -> ForecastOrderUpTo:
        n = context.n_skus
        if self.service_level is not None:
            alpha = np.full(n, float(self.service_level))
        else:
            p, h = context.shortage_penalty, context.holding
            alpha = p / (p + h)
        return ForecastOrderUpTo(
            service_level=self.service_level,
            safety_stock=self.safety_stock,
            fill_rate=self.fill_rate,
            alpha=as_sku_array(alpha, n, "policy.alpha"),
            cycle_demand=context.demand_mean * context.review_period,
            upstream_signal=self.upstream_signal,
        )

    def parameters(self) -> dict:
        return {
            "service_level": self.service_level_in_force(),
            "safety_stock": self.safety_stock,
            "fill_rate": self.fill_rate,
            "upstream_signal": self.upstream_signal,
        }

    def service_level_in_force(self) -> float | list[float] | None:
        """The target quantile in force: ``service_level`` as given, else (once prepared)
        the critical ratio ``p / (p + h)``, one number when every SKU has the same; None
        when ``fill_rate`` sets the safety factor instead (:data:`FILL_RATE_STOCKS`)."""
        if self.fill_rate is not None and self.method.uses_fill_rate:
            return None
        if self.service_level is not None or self.alpha is None:
            return self.service_level
        alpha = np.asarray(self.alpha, dtype=float).reshape(-1)
        return float(alpha[0]) if np.all(alpha == alpha[0]) else alpha.tolist()

    def service_level_rule(self) -> str | None:
        """Where :meth:`service_level_in_force` comes from, in words for the run header
        (None: ``service_level`` as given, nothing to add)."""
        fill = None if self.fill_rate is None else f"fill_rate={self.fill_rate:g}"
        if fill and self.method.uses_fill_rate:
            return f"not used: {fill} sets the safety factor"
        parts = ["critical ratio p/(p+h)"] if self.service_level is None else []
        if fill and self.safety_stock == "empirical":
            parts.append(f"{fill} only until the run has forecast errors")
        elif fill:
            parts.append(f"{fill} is not used by safety_stock={self.safety_stock}")
        return "; ".join(parts) or None

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        if forecast is None:
            raise ValueError(
                "policy=forecast_order_up_to needs a forecaster: add e.g. forecaster=ses"
            )
        level = np.maximum(self.level(forecast), 0.0)
        return np.maximum(level - state.position, 0.0)

    def level(self, fc: Forecast) -> np.ndarray:
        """The order-up-to level ``S_t`` per SKU (once prepared: it needs ``alpha``)."""
        if self.target is None:
            raise ValueError("ForecastOrderUpTo.level needs alpha: call prepare first")
        periods = fc.protection_periods
        if periods is None:
            raise ValueError("policy=forecast_order_up_to needs the forecast's protection_periods")
        mean = fc.protection_mean if fc.protection_mean is not None else fc.cumulative_mean(periods)
        return self.method.level(fc, periods, np.maximum(mean, 0.0), self.target)
