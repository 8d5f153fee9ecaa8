"""Customer demand: how many units each SKU sells in each period.

A demand model describes a *population* of SKUs. Once per run, :meth:`DemandModel.setup`
draws each SKU's own parameters from a dedicated "population" random stream (so every
replication of a run, and every rival policy, faces the same assortment). After that,
:meth:`DemandModel.sample` draws demand realisations for all SKUs and a block of periods
in one vectorised call, and :meth:`DemandModel.sample_events` draws individual customer
arrivals for continuous review.

Families (choose by class; ``family`` is the name planners see):

``Poisson``
    Demand per period ~ Poisson(mu): variance = mean. Sampled by inversion with a guide
    table (Chen & Asau 1974; Devroye 1986, Sec. III.2.4) when the demand rate is
    constant, one uniform per draw, which makes demand monotone in the random number and
    so keeps common random numbers tight; by numpy's PTRS (Hörmann 1993) otherwise.
``NegativeBinomial``
    Over-dispersed counts (variance > mean) as a gamma mixture of Poissons (Greenwood &
    Yule 1920). Stocklab fixes the variance-to-mean ratio ``v`` of each SKU: counts in an
    interval of expected demand ``m`` are NB(r = m / (v - 1), p = 1 / v). This is the only
    parametrisation that is closed under time aggregation and modulation: it is the count
    of a compound Poisson process with logarithmic order sizes (Quenouille 1949), which is
    also how continuous time is simulated. Give ``variance_ratio`` directly, or ``cv`` of
    per-period demand at the base mean (then ``v = cv**2 * mean``, which must exceed 1).
``Normal``
    Demand ~ N(mu, sigma) censored at zero: ``max(x, 0)``. Censoring raises the mean by
    ``sigma * (phi(z) - z * Phi(-z))`` with ``z = mu / sigma`` (Johnson, Kotz &
    Balakrishnan 1994, Ch. 13); negligible for cv <= 0.5 (< 0.01 sigma), noticeable above.
    ``mean()``, ``std()`` and ``mean_path()`` report the uncensored normal.
``Intermittent``
    Croston's (1972) model: in each period a demand occurs with probability ``p``, and its
    size is positive (geometric or shifted Poisson, both integer; or lognormal, real-valued).
    Mean ``p * s``; variance ``p * E[S^2] - (p * s)^2``.
``Deterministic``
    The same quantity every period (may be fractional); for EOQ-type textbook checks.

Heterogeneity. ``mean_spread`` (``probability_spread`` for intermittent demand) is the
coefficient of variation of the per-SKU level across the population. Per-SKU means are
``mean * exp(sigma * Z - sigma**2 / 2)`` with ``sigma**2 = log(1 + mean_spread**2)``: a
lognormal whose median is shifted so the population average stays ``mean`` (Johnson,
Kotz & Balakrishnan 1994, Ch. 14). Intermittent probabilities are drawn from a beta
distribution with mean ``probability`` and cv ``probability_spread``. Any of these
parameters may instead be a list with one value per SKU.

Modulation (seasonality, trend, shocks; default off) multiplies the expected demand:
``mean(t) = base_mean * weekly(t) * yearly(t) * trend(t) * shocks(t)`` with
``weekly(t) = 1 + a_w cos(2 pi (t - weekly_peak) / 7)`` (or ``weekly_profile[t mod 7]``),
``yearly(t) = 1 + a_y cos(2 pi (t - peak_i) / 365)`` where ``peak_i = yearly_peak + U_i``,
``U_i`` uniform on ``[-phase_spread/2, phase_spread/2]`` per SKU, ``trend(t) =
max(1 + trend * t, 0)``, and each shock multiplies by ``factor`` from ``period`` on (for a
``fraction`` of the SKUs, chosen from the population stream). How each family carries the
multiplier: Poisson scales its rate; negative binomial scales ``r`` (fixed variance-to-mean
ratio); normal scales mean and std (fixed cv); intermittent scales the occurrence
probability, and where ``p * m(t)`` would exceed 1 the occurrence is certain and the excess
goes into the size mean; deterministic scales the quantity. ``mean()`` is the average of
``mean_path`` over the first year (periods 0..364), so trend and shocks inside that year
count. ``std()`` is the per-period std of the unmodulated model scaled to ``mean()`` with
the same rule.

Promotions (``promotions: {probability, duration, lift, periods}``; default none) are one
more factor of the modulation: while SKU ``i`` is on promotion in period ``t`` its expected
demand is multiplied by ``lift``. A promotion starts with probability ``probability`` per SKU
and period, independently, or in each of the listed ``periods`` for every SKU, and runs for
``duration`` periods. The plan is part of the scenario, like the SKU population: it is drawn
once per run from its own named stream ("promotions"), every replication and every rival
policy meets the same plan, and it is defined for every period, negative ones included (the
history forecasters learn from). Promotions are planned, so the plan is known in advance:
:meth:`DemandModel.promotions` gives it to forecasters as an exogenous column. The random
starts come from a counter-based generator (Salmon, Moraes, Dror & Shaw 2011, "Parallel
random numbers: as easy as 1, 2, 3", SC '11): the uniform of ``(period, SKU)`` is a hash of
the run's 64-bit key, the period and the SKU through the SplitMix64 finaliser (Steele, Lea &
Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA '14), so any block of
periods comes out the same whichever call asks for it.

Continuous time. :meth:`DemandModel.sample_events` simulates one customer stream per SKU:
Poisson arrivals with unit sizes; for the negative binomial, Poisson arrivals of orders
with logarithmic sizes (so counts per unit time are NB with the same ``v``); for
intermittent demand, Poisson arrivals at rate ``p`` per time unit with the size
distribution (same mean demand rate as in periodic mode); for deterministic demand, one
unit each ``1 / mean`` time units, the first at ``1 / mean``. Normal demand has no
continuous-time form. Under modulation the arrival rate is ``rate * m(floor(t))``:
piecewise constant over each period, so the expected demand in ``[t, t + 1)`` equals
``mean_path(t, 1)`` in both review modes. A Poisson process with piecewise-constant rate
is simulated exactly, cell by cell: a Poisson count per period and SKU, arrivals uniform
inside the period (Ross 2013, *Simulation*, Ch. 5; thinning, Lewis & Shedler 1979, is
not needed for a step intensity). Deterministic arrivals follow the inverse of the
piecewise-linear cumulative demand.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict, Unpack

import numpy as np
import pandas as pd
from scipy import special, stats

from sim import params
from sim.checks import is_number

__all__ = [
    "DemandModel",
    "Modulation",
    "ModulationParams",
    "Poisson",
    "Normal",
    "NegativeBinomial",
    "Intermittent",
    "Deterministic",
    "population_summary",
    "lognormal_factors",
    "InversionTable",
    "Promotions",
    "counter_uniform",
]

WEEK = 7
YEAR = 365
#: Largest configured mean demand per period of a SKU: beyond it the samplers lose precision
#: and SciPy's tail quantiles fail (NaN from 1e12 on); 1e10 leaves room for ``mean_spread``.
MAX_MEAN = 1e10
#: Largest inversion table (SKUs x support points) built for fast stationary negative
#: binomial sampling; beyond it numpy's sampler is used (Poisson needs none: sim.sampling).
TABLE_BUDGET = 4_000_000
#: Upper-tail mass left out of an inversion table (below the 2**-53 resolution of a uniform).
TABLE_TAIL = 1e-16


# --------------------------------------------------------------------------- validation


def _as_array(key: str, value: Any) -> np.ndarray:
    return params.as_array("demand", key, value)


def _check(key: str, arr: np.ndarray, ok: np.ndarray, rule: str) -> None:
    params.check("demand", key, arr, ok, rule)


def _per_sku(key: str, arr: np.ndarray, n_skus: int) -> np.ndarray:
    return params.per_sku("demand", key, arr, n_skus)


def _positive(key: str, value: Any) -> np.ndarray:
    arr = _as_array(key, value)
    _check(key, arr, np.isfinite(arr) & (arr > 0), "> 0")
    return arr


def _scalar(key: str, value: Any) -> float:
    arr = _as_array(key, value)
    if arr.ndim:
        raise ValueError(f"demand {key}(={value!r}) must be a single number")
    _check(key, arr, np.isfinite(arr), "finite")
    return float(arr)


def _non_negative_scalar(key: str, value: Any) -> float:
    arr = _as_array(key, value)
    if arr.ndim:
        raise ValueError(f"demand {key}(={value!r}) must be a single number")
    _check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
    return float(arr)


def _scalar_in(key: str, value: Any, low: float, high: float) -> float:
    arr = _as_array(key, value)
    if arr.ndim:
        raise ValueError(f"demand {key}(={value!r}) must be a single number")
    _check(key, arr, (arr >= low) & (arr <= high), f"in [{low:g}, {high:g}]")
    return float(arr)


def _spread_needs_scalar(key: str, arr: np.ndarray, spread_key: str, spread: float) -> None:
    if spread > 0 and arr.ndim:
        raise ValueError(
            f"demand {spread_key}(={spread}) needs a single {key}; a per-SKU list of "
            f"{key} is already heterogeneous"
        )


# --------------------------------------------------------------------------- pure maths


def lognormal_factors(rng: np.random.Generator, n: int, cv: float) -> np.ndarray:
    """Mean-one lognormal multipliers with coefficient of variation ``cv`` across draws:
    ``exp(sigma Z - sigma**2 / 2)``, ``sigma**2 = log(1 + cv**2)``."""
    if cv == 0:
        return np.ones(n)
    sigma2 = np.log1p(cv * cv)
    return np.exp(np.sqrt(sigma2) * rng.standard_normal(n) - 0.5 * sigma2)


def censored_normal_mean(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """E[max(X, 0)] for X ~ N(mu, sigma) (Johnson, Kotz & Balakrishnan 1994, Ch. 13)."""
    mu = np.asarray(mu, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, mu / sigma, np.inf)
        out = mu * special.ndtr(z) + sigma * stats.norm.pdf(z)
    return np.where(sigma > 0, out, np.maximum(mu, 0.0))


class InversionTable:
    """Per-SKU inverse-CDF sampler for discrete distributions on ``0..K-1``.

    Built once from a ``(n_skus, K)`` table of log probabilities (the tail beyond ``K`` is
    folded into the last point); draws ``(n_periods, n_skus)`` values with one uniform each.
    A guide table of ``K`` cells per SKU gives the start of the sequential search, so a
    draw costs about two look-ups (Chen & Asau 1974; Devroye 1986, Sec. III.2.4). The
    search compares ``u * K`` against ``K * cdf`` computed once, so the guide is exact.
    """

    def __init__(self, log_pmf: np.ndarray) -> None:
        n, k = log_pmf.shape
        cdf = np.cumsum(np.exp(log_pmf), axis=1)
        np.minimum(cdf, 1.0, out=cdf)
        cdf[:, -1] = 1.0
        scaled = cdf * k  # search key in units of guide cells
        cell = np.minimum(np.ceil(scaled), k).astype(np.int64)
        cell += np.arange(n, dtype=np.int64)[:, None] * (k + 1)
        counts = np.bincount(cell.ravel(), minlength=n * (k + 1)).reshape(n, k + 1)
        guide = np.cumsum(counts, axis=1)  # guide[i, j] = #{x: K cdf_i(x) <= j}, j = 0..K
        np.minimum(guide, k - 1, out=guide)  # j = K only if u * K rounds up to K
        scaled[:, -1] = np.inf  # the search always stops inside the row
        self.n_skus = n
        self.support = k
        self._scaled = scaled.ravel()
        self._guide = guide.astype(np.int32).ravel()
        self._guide_row = np.arange(n, dtype=np.int64) * (k + 1)
        self._row = np.arange(n, dtype=np.int64) * k

    def sample(self, rng: np.random.Generator, n_periods: int) -> np.ndarray:
        v = rng.random((n_periods, self.n_skus))
        v *= self.support
        cell = v.astype(np.int64)
        cell += self._guide_row
        x = self._guide.take(cell).astype(np.int64)
        x += self._row
        x = x.ravel()
        v = v.ravel()
        active = np.flatnonzero(self._scaled.take(x) <= v)
        while active.size:
            x[active] += 1
            active = active[self._scaled.take(x[active]) <= v[active]]
        x = x.reshape(n_periods, self.n_skus)
        x -= self._row
        return x.astype(np.float64)


def _table_support(upper: int, n_skus: int) -> int | None:
    """Support size for an inversion table, or None when it would exceed the budget."""
    if not np.isfinite(upper):
        return None
    k = int(upper) + 2
    return k if k * n_skus <= TABLE_BUDGET else None


# --------------------------------------------------------------------------- promotions

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, SplitMix64's increment


def _mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection of uint64 arrays whose
    outputs look independent for neighbouring inputs; arithmetic wraps modulo 2**64."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def counter_uniform(key: int, periods: np.ndarray, n_skus: int) -> np.ndarray:
    """Uniforms on [0, 1) for every ``(period, SKU)``, ``(len(periods), n_skus)``: a pure
    function of ``key`` and the pair (counter-based; see the module docstring)."""
    t = np.asarray(periods, dtype=np.int64).view(np.uint64)
    row = _mix64(np.uint64(key) + _GOLDEN * t)
    sku = _GOLDEN * (np.arange(n_skus, dtype=np.uint64) + np.uint64(1))
    bits = _mix64(row[:, None] ^ sku[None, :])
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


class Promotions:
    """Planned promotions (see the module docstring): which SKUs are on promotion when.

    ``probability``: chance that a promotion of a SKU starts in a period; ``periods``: periods
    in which a promotion of every SKU starts (a fixed schedule; both may be given);
    ``duration``: periods a promotion runs; ``lift``: the multiplier of expected demand
    while it runs. ``setup`` draws the run's key; ``active(periods)`` is the plan.
    """

    KEYS: ClassVar[tuple[str, ...]] = ("probability", "duration", "lift", "periods")

    def __init__(
        self,
        *,
        probability: float = 0.0,
        duration: int = 1,
        lift: float = 2.0,
        periods: Sequence[int] | None = None,
    ) -> None:
        self.probability = _scalar_in("promotions.probability", probability, 0.0, 1.0)
        if not _is_integer(duration) or duration < 1:
            raise ValueError(f"demand promotions.duration(={duration!r}) must be an integer >= 1")
        self.duration = int(duration)
        self.lift = _scalar("promotions.lift", lift)
        if not self.lift > 0:
            raise ValueError(f"demand promotions.lift(={lift!r}) must be > 0")
        if isinstance(periods, str | Mapping) or not all(map(_is_integer, periods or [])):
            raise ValueError(f"demand promotions.periods(={periods!r}) must list integers")
        self.periods = np.unique(np.asarray(list(periods or []), dtype=np.int64))
        if self.probability == 0 and self.periods.size == 0:
            raise ValueError(
                "demand promotions need a probability(=0.0) > 0 or a list of periods; "
                "leave promotions out (null) for none"
            )
        self._key: int | None = None
        self._n_skus: int | None = None

    def setup(self, n_skus: int, rng: np.random.Generator) -> None:
        """Draw the run's 64-bit key from ``rng`` (the "promotions" stream)."""
        self._n_skus = int(n_skus)
        self._key = int(rng.integers(0, 2**63, dtype=np.int64)) * 2 + 1

    def starts(self, periods: np.ndarray) -> np.ndarray:
        """``(len(periods), n_skus)``: whether a promotion starts in each period."""
        if self._key is None or self._n_skus is None:
            raise RuntimeError("demand promotions: call setup(n_skus, rng) first")
        t = np.asarray(periods, dtype=np.int64)
        if self.probability > 0:
            out = counter_uniform(self._key, t, self._n_skus) < self.probability
        else:
            out = np.zeros((t.shape[0], self._n_skus), dtype=bool)
        if self.periods.size:
            out[np.isin(t, self.periods)] = True
        return out

    def active(self, periods: np.ndarray) -> np.ndarray:
        """``(len(periods), n_skus)``: whether each SKU is on promotion in each period
        (a promotion that started in one of the last ``duration`` periods)."""
        t = np.floor(np.asarray(periods, dtype=float)).astype(np.int64)
        if self.duration == 1 or t.size == 0:
            return self.starts(t)
        first, last = int(t.min()) - self.duration + 1, int(t.max())
        running = np.zeros((last - first + 2, self._n_skus or 0), dtype=np.int64)
        # running[k]: promotions started in periods first .. first + k - 1
        np.cumsum(self.starts(np.arange(first, last + 1)), axis=0, out=running[1:])
        return running[t - first + 1] > running[t - first + 1 - self.duration]


def _is_integer(v: Any) -> bool:
    if not is_number(v):
        return False
    return float(v).is_integer()


def _promotions(value: Any) -> Promotions | None:
    if value is None or isinstance(value, Promotions):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(
            f"demand promotions(={value!r}) must be a mapping {{probability, duration, lift, "
            "periods} or null"
        )
    if not value:
        return None
    unknown = sorted(set(value) - set(Promotions.KEYS))
    if unknown:
        raise ValueError(
            f"demand promotions has unknown key(s) {unknown}; expected {list(Promotions.KEYS)}"
        )
    return Promotions(**dict(value))


# --------------------------------------------------------------------------- modulation


class ModulationParams(TypedDict, total=False):
    """The modulation keys every demand family accepts (all default to "off")."""

    weekly_amplitude: float
    weekly_peak: float
    weekly_profile: Sequence[float] | None
    yearly_amplitude: float
    yearly_peak: float
    phase_spread: float
    trend: float
    shocks: Sequence[Mapping[str, float]] | None
    promotions: Mapping[str, Any] | None
    shelf_life: Any


class Modulation:
    """Deterministic multiplier ``m_i(t)`` of the expected demand (see the module docstring).

    ``setup`` draws the per-SKU parts (yearly peak offsets if ``phase_spread > 0``, which
    SKUs a shock hits if its ``fraction < 1``; nothing otherwise) from the population
    stream, and the promotion plan's key from the "promotions" stream when one is given;
    ``multiplier(t)`` evaluates ``(len(t), n_skus)``. The weekly profile is indexed by
    ``floor(t) mod 7``; period 0 is profile day 0.
    """

    def __init__(
        self,
        *,
        weekly_amplitude: float = 0.0,
        weekly_peak: float = 0.0,
        weekly_profile: Sequence[float] | None = None,
        yearly_amplitude: float = 0.0,
        yearly_peak: float = 0.0,
        phase_spread: float = 0.0,
        trend: float = 0.0,
        shocks: Sequence[Mapping[str, float]] | None = None,
        promotions: Mapping[str, Any] | None = None,
    ) -> None:
        self.weekly_amplitude = _scalar_in("weekly_amplitude", weekly_amplitude, 0.0, 1.0)
        self.weekly_peak = _scalar("weekly_peak", weekly_peak)
        self.weekly_profile: np.ndarray | None = None
        if weekly_profile is not None:
            profile = _as_array("weekly_profile", weekly_profile)
            if profile.shape != (WEEK,):
                raise ValueError(
                    f"demand weekly_profile(={weekly_profile!r}) must list {WEEK} multipliers"
                )
            _check("weekly_profile", profile, np.isfinite(profile) & (profile >= 0), ">= 0")
            if self.weekly_amplitude > 0:
                raise ValueError(
                    f"demand weekly_amplitude(={weekly_amplitude}) and weekly_profile are "
                    "exclusive; give one"
                )
            self.weekly_profile = profile
        self.yearly_amplitude = _scalar_in("yearly_amplitude", yearly_amplitude, 0.0, 1.0)
        self.yearly_peak = _scalar("yearly_peak", yearly_peak)
        self.phase_spread = _scalar_in("phase_spread", phase_spread, 0.0, float(YEAR))
        self.trend = _scalar("trend", trend)
        self.shocks = [_shock(j, s) for j, s in enumerate(shocks or [])]
        self.promotions = _promotions(promotions)
        self._n_skus: int | None = None
        self._peak: np.ndarray | None = None  # per-SKU yearly peak period
        self._hit: np.ndarray | None = None  # (n_shocks, n_skus) bool

    @property
    def active(self) -> bool:
        return bool(
            self.weekly_amplitude > 0
            or self.weekly_profile is not None
            or self.yearly_amplitude > 0
            or self.trend != 0
            or self.shocks
            or self.promotions is not None
        )

    def setup(
        self,
        n_skus: int,
        rng: np.random.Generator,
        promotions_rng: np.random.Generator | None = None,
    ) -> None:
        self._n_skus = n_skus
        half = 0.5 * self.phase_spread
        offset = rng.uniform(-half, half, n_skus) if self.phase_spread > 0 else np.zeros(n_skus)
        self._peak = self.yearly_peak + offset
        hit = np.ones((len(self.shocks), n_skus), dtype=bool)
        for j, shock in enumerate(self.shocks):  # a few shocks, never SKUs
            if shock["fraction"] < 1.0:
                chosen = rng.choice(n_skus, size=round(shock["fraction"] * n_skus), replace=False)
                hit[j] = False
                hit[j, chosen] = True
        self._hit = hit
        if self.promotions is not None:
            self.promotions.setup(n_skus, rng if promotions_rng is None else promotions_rng)

    def multiplier(self, t: np.ndarray) -> np.ndarray:
        """``m_i(t)`` for times ``t`` (periods, possibly fractional): ``(len(t), n_skus)``."""
        if self._n_skus is None or self._peak is None or self._hit is None:
            raise RuntimeError("demand modulation: call setup(n_skus, rng) first")
        t = np.asarray(t, dtype=float)
        common = np.ones(t.shape[0])
        if self.weekly_profile is not None:
            common *= self.weekly_profile[np.floor(t).astype(np.int64) % WEEK]
        elif self.weekly_amplitude > 0:
            common *= 1.0 + self.weekly_amplitude * np.cos(
                2 * np.pi * (t - self.weekly_peak) / WEEK
            )
        if self.trend != 0:
            common *= np.maximum(1.0 + self.trend * t, 0.0)
        out = np.empty((t.shape[0], self._n_skus))
        if self.yearly_amplitude > 0:
            phase = (2 * np.pi / YEAR) * (t[:, None] - self._peak[None, :])
            np.cos(phase, out=out)
            out *= self.yearly_amplitude
            out += 1.0
            out *= common[:, None]
        else:
            out[:] = common[:, None]
        for j, shock in enumerate(self.shocks):
            after = t >= shock["period"]
            out[np.ix_(after, self._hit[j])] *= shock["factor"]
        if self.promotions is not None:
            out[self.promotions.active(t)] *= self.promotions.lift
        return out

    def annual_level(self) -> np.ndarray:
        """Average multiplier over periods 0..364, per SKU."""
        if not self.active:
            return np.ones(self._n_skus or 0)
        return self.multiplier(np.arange(YEAR, dtype=float)).mean(axis=0)

    def columns(self) -> dict[str, np.ndarray]:
        """Per-SKU modulation parameters for :func:`population_summary`."""
        cols: dict[str, np.ndarray] = {}
        if self.yearly_amplitude > 0 and self._peak is not None:
            cols["yearly_peak"] = self._peak.copy()
        if self._hit is not None:
            for j in range(len(self.shocks)):
                cols[f"shock_{j}"] = self._hit[j].copy()
        if self.promotions is not None and self._n_skus is not None:
            year = self.promotions.active(np.arange(YEAR))
            cols["promotion_share"] = year.mean(axis=0)
        return cols


def _shock(j: int, shock: Any) -> dict[str, float]:
    if not isinstance(shock, Mapping):
        raise ValueError(f"demand shocks[{j}](={shock!r}) must be a mapping {{period, factor}}")
    shock = dict(shock)
    unknown = set(shock) - {"period", "factor", "fraction"}
    if unknown:
        raise ValueError(f"demand shocks[{j}] has unknown key(s) {sorted(unknown)}")
    for key in ("period", "factor"):
        if key not in shock:
            raise ValueError(f"demand shocks[{j}] needs '{key}'")
    period = shock["period"]
    if isinstance(period, bool) or not float(period).is_integer() or period < 0:
        raise ValueError(f"demand shocks[{j}].period(={period!r}) must be an integer >= 0")
    factor = _non_negative_scalar(f"shocks[{j}].factor", shock["factor"])
    fraction = _scalar_in(f"shocks[{j}].fraction", shock.get("fraction", 1.0), 0.0, 1.0)
    return {"period": int(period), "factor": factor, "fraction": fraction}


# --------------------------------------------------------------------------- contract


class DemandModel(ABC):
    """Base class of every demand family; see the module docstring for the maths.

    Extension points for a new family:

    ``_draw_population(n_skus, rng)``
        Required. Draw and store the per-SKU parameters; return the per-SKU base
        (unmodulated) mean, shape ``(n_skus,)``.
    ``_draw(rng, mult, n_periods)``
        Required. Demand of ``n_periods`` periods, ``(n_periods, n_skus)``; ``mult`` is the
        modulation multiplier of the same shape, or ``None`` when demand is stationary.
    ``_std_at(level)``
        Required. Per-period std when the multiplier is held at ``level`` (per SKU).
    ``_occurrence_rate()`` and ``_event_sizes(rng, sku)``
        For continuous review: arrival rate of customer orders per time unit at base level,
        and the sizes of orders of the given SKUs. The default raises ``ValueError``.
    ``_columns()``
        Family-specific per-SKU columns for :func:`population_summary`.
    ``_draw_block(key, start, n_periods, skus, weight)``
        Optional. Stationary demand of a block of SKUs from counter-based uniforms, the same
        for a SKU in any block (:meth:`sample_block`); a family that has it lets runs of
        many SKUs go block by block in bounded memory (:mod:`sim.columns`).

    Constructor parameters are keyword-only and are the YAML keys one to one. Every family
    also takes ``shelf_life`` (periods; one number, one per SKU, or null for goods that
    keep): perishable stock in the simulation, see ``sim/engine.py``.

    Hooks of the run, for models that are more than a population of SKUs (replayed data,
    :mod:`sim.replay`); the defaults fit every generated family:

    ``bind_run(horizon, replications)``, ``bind_nodes(names)``
        Called once per run, before ``setup``: the run's length and replications, and the
        demand-facing nodes (downstream first).
    ``begin_replication(rng)``
        Called before each replication's demand is drawn, with its ``demand`` stream.
    ``sample_at(node, rng, start, n_periods)``, ``moments_at(node)``
        The demand of one demand-facing node (default: :meth:`sample` scaled by the node's
        ``demand_weight``) and its per-SKU mean and std for planning.
    ``moments_path_at(node, start, n_periods)``
        The same per period, for policies that plan period by period (default: the
        modulated moments; :meth:`moments_at` repeated for an unmodulated model).
    ``store_labels``, ``fixed_n_skus``, ``exog_names``, ``planning_family``
        The stores and SKU count the data fixes (None for generated demand), the data's
        exogenous columns (:meth:`exog_table`), and the family policies plan with.
    ``history``, ``pooled_note()``
        The cleaned sales history a model replays (None for generated demand), and a
        sentence for the run's output when its stores are pooled at one node (else None).
    """

    family: ClassVar[str]
    #: the demand family policies derive their parameters for (the model's own by default)
    planning_family: ClassVar[str | None] = None
    store_labels: list[str] | None = None
    fixed_n_skus: int | None = None
    exog_names: tuple[str, ...] = ()
    history: Any = None

    def __init__(self, **modulation: Unpack[ModulationParams]) -> None:
        self.shelf_life = _shelf_life(modulation.pop("shelf_life", None))
        self.modulation = Modulation(**modulation)
        self._base: np.ndarray | None = None
        self._level: np.ndarray | None = None

    # -- run hooks (see the class docstring)
    def bind_run(self, horizon: int, replications: int) -> None:
        return None

    def bind_nodes(self, names: list[str]) -> None:
        return None

    def begin_replication(self, rng: np.random.Generator) -> None:
        return None

    def pooled_note(self) -> str | None:
        return None

    def check_history(self, periods: int, key: str = "forecaster.history") -> None:
        """Refuse a forecaster history the model cannot give (generated demand has any)."""
        return None

    def sample_at(self, node: Any, rng: np.random.Generator, start: int, n_periods: int):
        """The demand of demand-facing ``node``: :meth:`sample` scaled by its weight (called
        with ``weight`` only where the weight is not 1)."""
        if node.demand_weight == 1.0:
            return self.sample(rng, start, n_periods)
        return self.sample(rng, start, n_periods, weight=node.demand_weight)

    @property
    def draws_blocks(self) -> bool:
        """Whether :meth:`sample_block` can draw any block of SKUs on its own: the family
        implements ``_draw_block`` and demand is stationary (a modulation multiplier is
        built for all SKUs at once)."""
        return type(self)._draw_block is not DemandModel._draw_block and not (
            self.modulation.active
        )

    def sample_block(
        self, node: Any, key: int, start: int, n_periods: int, skus: slice
    ) -> np.ndarray:
        """The demand of SKUs ``skus`` at demand-facing ``node`` in periods ``start ..
        start + n_periods - 1``, ``(n_periods, len(skus))``, from counter-based uniforms
        keyed by ``key`` (:mod:`sim.sampling`): a SKU's demand is the same whichever
        block it is drawn in, so a large run can go block by block (:mod:`sim.columns`).
        Only where :attr:`draws_blocks`."""
        if not self.draws_blocks:
            raise ValueError(f"demand '{self.family}' cannot draw SKUs block by block")
        _check_block(start, n_periods)
        base, _ = self._ready()
        skus = slice(*skus.indices(base.shape[0]))
        return self._draw_block(key, start, n_periods, skus, float(node.demand_weight))

    def _draw_block(
        self, key: int, start: int, n_periods: int, skus: slice, weight: float
    ) -> np.ndarray:
        """Optional: stationary demand of SKUs ``skus`` from counter-based uniforms
        (:meth:`sample_block`); ``weight`` scales the mean as in :meth:`sample`."""
        raise NotImplementedError

    def moments_at(self, node: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU mean and std of one period's demand at demand-facing ``node``."""
        w = node.demand_weight
        return np.asarray(self.mean(), dtype=float) * w, np.asarray(self.std(weight=w), float)

    def moments_path_at(
        self, node: Any, start: int, n_periods: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU mean and std of the demand of each period ``start .. start + n_periods -
        1`` at demand-facing ``node``, ``(n_periods, n_skus)`` each, for policies that plan
        period by period. Under modulation they are those of the distribution that
        :meth:`sample_at` draws from (seasonality, trend, shocks and the promotion plan are
        part of the scenario, known in advance like the plan); without it, and for models
        whose future is not known in advance (replayed data), :meth:`moments_at` in every
        period."""
        _check_block(start, n_periods)
        if not self.modulation.active:
            mean, std = self.moments_at(node)
            return np.tile(mean, (n_periods, 1)), np.tile(std, (n_periods, 1))
        base, _ = self._ready()
        level = self.modulation.multiplier(np.arange(start, start + n_periods))
        level *= node.demand_weight
        mean = base * level
        return mean, np.broadcast_to(self._std_at(level), mean.shape).astype(float)

    def exog_table(self, names: Sequence[str], start: int, n_periods: int, node: Any):
        raise ValueError(f"demand '{self.family}' has no data columns {list(names)}")

    def shelf_lives(self, n_skus: int) -> np.ndarray | None:
        """Per-SKU shelf life (periods), or None when nothing perishes."""
        if self.shelf_life is None:
            return None
        return _per_sku("shelf_life", np.asarray(self.shelf_life), n_skus).astype(np.int64)

    # -- shared by the families with a per-SKU ``mean`` level
    def _set_mean(self, mean: Any, mean_spread: Any) -> None:
        self._mean = _positive("mean", mean)
        rule = f"a finite mean <= {MAX_MEAN:g} per period"
        _check("mean", self._mean, self._mean <= MAX_MEAN, rule)
        self.mean_spread = _non_negative_scalar("mean_spread", mean_spread)
        _spread_needs_scalar("mean", self._mean, "mean_spread", self.mean_spread)

    def _population_means(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        """Per-SKU means: ``mean`` times lognormal factors with cross-SKU cv ``mean_spread``."""
        return _per_sku("mean", self._mean, n_skus) * lognormal_factors(
            rng, n_skus, self.mean_spread
        )

    # -- family hooks
    @abstractmethod
    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray: ...

    @abstractmethod
    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray: ...

    @abstractmethod
    def _std_at(self, level: np.ndarray) -> np.ndarray: ...

    def _occurrence_rate(self) -> np.ndarray:
        raise ValueError(
            f"demand '{self.family}' has no continuous-time form; use poisson, "
            "negative_binomial, intermittent or deterministic"
        )

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        return np.ones(sku.shape[0])

    def _columns(self) -> dict[str, np.ndarray]:
        return {}

    # -- public contract
    def setup(
        self,
        n_skus: int,
        rng: np.random.Generator,
        promotions_rng: np.random.Generator | None = None,
    ) -> None:
        """Draw the per-SKU population from the population stream ``rng``, and the promotion
        plan (if any) from ``promotions_rng`` (the "promotions" stream; default ``rng``)."""
        if isinstance(n_skus, bool) or int(n_skus) != n_skus or n_skus < 1:
            raise ValueError(f"demand n_skus(={n_skus!r}) must be an integer >= 1")
        n_skus = int(n_skus)
        self._base = self._draw_population(n_skus, rng)
        self.modulation.setup(n_skus, rng, promotions_rng)
        self._level = self.modulation.annual_level()

    @property
    def has_promotions(self) -> bool:
        return self.modulation.promotions is not None

    def promotions(self, start: int, n_periods: int) -> np.ndarray:
        """The promotion plan of periods ``start .. start + n_periods - 1``: a bool array
        ``(n_periods, n_skus)``, all False without promotions. Known in advance."""
        self._ready()
        _check_block(start, n_periods)
        plan = self.modulation.promotions
        if plan is None:
            return np.zeros((n_periods, self.n_skus), dtype=bool)
        return plan.active(np.arange(start, start + n_periods))

    def _ready(self) -> tuple[np.ndarray, np.ndarray]:
        if self._base is None or self._level is None:
            raise RuntimeError(f"{type(self).__name__}: call setup(n_skus, rng) first")
        return self._base, self._level

    @property
    def n_skus(self) -> int:
        return int(self._ready()[0].shape[0])

    def base_mean(self) -> np.ndarray:
        """Per-SKU mean demand per period without modulation."""
        return self._ready()[0].copy()

    def mean(self) -> np.ndarray:
        """Long-run average demand per period: base mean times the first year's average
        multiplier."""
        base, level = self._ready()
        return base * level

    def std(self, weight: float = 1.0) -> np.ndarray:
        """Per-period std of the unmodulated model scaled to :meth:`mean` (times
        ``weight``: the std of a store whose demand is ``weight`` times the model's)."""
        level = self._ready()[1]
        return self._std_at(level if weight == 1.0 else level * weight)

    def mean_path(self, start: int, n_periods: int) -> np.ndarray:
        """Expected demand of periods ``start .. start + n_periods - 1``."""
        base, _ = self._ready()
        _check_block(start, n_periods)
        if not self.modulation.active:
            return np.tile(base, (n_periods, 1))
        return base * self.modulation.multiplier(np.arange(start, start + n_periods))

    def sample(
        self, rng: np.random.Generator, start: int, n_periods: int, weight: float = 1.0
    ) -> np.ndarray:
        """Demand realisations of periods ``start .. start + n_periods - 1``, float64 >= 0.

        ``weight`` scales expected demand the way modulation does (a store with weight 2
        sells twice the model's expected demand, its family's shape kept)."""
        base, _ = self._ready()
        _check_block(start, n_periods)
        mult = None
        if self.modulation.active:
            mult = self.modulation.multiplier(np.arange(start, start + n_periods))
        if weight != 1.0:
            mult = (
                np.full((n_periods, base.shape[0]), float(weight))
                if mult is None
                else (mult * weight)
            )
        return self._draw(rng, mult, n_periods)

    def sample_events(
        self, rng: np.random.Generator, horizon: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customer orders in ``[0, horizon)``: ``(times, sku_index, sizes)`` sorted by time.

        Draw order is period by period, SKU by SKU, and the sort is stable, so equal times
        (rare, from float rounding) stay in SKU order: the result is the same bit for bit on
        every machine. See the module docstring for each family's process.
        """
        base, _ = self._ready()
        rate = self._occurrence_rate()
        starts, lengths, mult = self._cells(horizon)
        expected = rate * lengths[:, None] if mult is None else rate * mult * lengths[:, None]
        counts = rng.poisson(expected).ravel()
        cell_sku = np.repeat(np.arange(counts.size), counts)
        cell, sku = np.divmod(cell_sku, base.shape[0])
        times = starts[cell] + lengths[cell] * rng.random(cell.size)
        np.minimum(times, np.nextafter(float(horizon), 0.0), out=times)
        order = np.argsort(times, kind="stable")
        times, sku = times[order], sku[order]
        return times, sku, self._event_sizes(rng, sku)

    def _cells(self, horizon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Time cells of constant arrival rate: one cell ``[0, horizon)`` without modulation,
        one cell per period (the last one possibly partial) with it."""
        horizon = float(horizon)
        if not np.isfinite(horizon) or horizon <= 0:
            raise ValueError(f"demand horizon(={horizon}) must be > 0 and finite")
        if not self.modulation.active:
            return np.zeros(1), np.array([horizon]), None
        starts = np.arange(int(np.ceil(horizon)), dtype=float)
        lengths = np.minimum(1.0, horizon - starts)
        return starts, lengths, self.modulation.multiplier(starts)


def _shelf_life(value: Any) -> np.ndarray | None:
    """``shelf_life``: null, or whole periods >= 1 (one number, or one per SKU)."""
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = list(value)  # a ListConfig from Hydra
    return params.whole_periods("demand.shelf_life", value)


def _check_block(start: int, n_periods: int) -> None:
    # a negative start reaches before the simulation's period 0: the demand history a
    # forecaster is fitted on before the run begins
    if isinstance(start, bool) or int(start) != start:
        raise ValueError(f"demand start(={start!r}) must be an integer")
    if isinstance(n_periods, bool) or int(n_periods) != n_periods or n_periods < 0:
        raise ValueError(f"demand n_periods(={n_periods!r}) must be an integer >= 0")


# --------------------------------------------------------------------------- families


class Poisson(DemandModel):
    """Poisson demand, per-SKU mean ``mean`` (lognormal spread ``mean_spread`` across SKUs)."""

    family = "poisson"

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        return self._population_means(n_skus, rng)

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._ready()
        if mult is not None:
            return rng.poisson(base * mult).astype(np.float64)
        # exact inversion of one uniform per draw, at any mean (sim.sampling): per-SKU
        # tables built chunk by chunk, so no table budget and no slower fallback
        from sim.sampling import poisson_inverse

        return poisson_inverse(base, rng.random((n_periods, base.shape[0])))

    def _draw_block(
        self, key: int, start: int, n_periods: int, skus: slice, weight: float
    ) -> np.ndarray:
        from sim.sampling import counter_uniforms, poisson_inverse

        mean = self._ready()[0][skus]
        if weight != 1.0:
            mean = mean * weight
        periods = np.arange(start, start + n_periods)
        uniforms = counter_uniforms(key, periods, np.arange(skus.start, skus.stop))
        return poisson_inverse(mean, uniforms)

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        return np.sqrt(self._ready()[0] * level)

    def _occurrence_rate(self) -> np.ndarray:
        return self._ready()[0]


class Normal(DemandModel):
    """Normal demand censored at zero. Give ``std`` (absolute, per SKU or common) or ``cv``
    (per-SKU std = cv * per-SKU mean). Modulation scales mean and std together."""

    family = "normal"

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        std: float | Sequence[float] | None = None,
        cv: float | None = None,
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)
        if (std is None) == (cv is None):
            raise ValueError(f"demand normal needs exactly one of std(={std}) and cv(={cv})")
        self._std = None
        self.cv = None
        if std is not None:
            self._std = _as_array("std", std)
            _check("std", self._std, np.isfinite(self._std) & (self._std >= 0), ">= 0")
        else:
            self.cv = _non_negative_scalar("cv", cv)
        self._sigma: np.ndarray | None = None

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        base = _per_sku("mean", self._mean, n_skus) * lognormal_factors(
            rng, n_skus, self.mean_spread
        )
        if self._std is not None:
            self._sigma = _per_sku("std", self._std, n_skus)
        else:
            self._sigma = float(self.cv or 0.0) * base
        return base

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._ready()
        z = rng.standard_normal((n_periods, base.shape[0]))
        z *= self._sigma
        z += base
        np.maximum(z, 0.0, out=z)
        if mult is not None:
            z *= mult
        return z

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        self._ready()
        return self._sigma * level

    def _columns(self) -> dict[str, np.ndarray]:
        return {"base_std": np.asarray(self._sigma).copy()}


class NegativeBinomial(DemandModel):
    """Negative binomial demand with a fixed variance-to-mean ratio per SKU.

    Give ``variance_ratio`` (> 1, common to all SKUs) or ``cv`` of per-period demand at
    each SKU's base mean, converted to ``variance_ratio_i = cv**2 * mean_i`` (must be > 1
    for every SKU). Under modulation the ratio stays fixed, so the cv changes.
    """

    family = "negative_binomial"

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        cv: float | None = None,
        variance_ratio: float | None = None,
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)
        if (cv is None) == (variance_ratio is None):
            raise ValueError(
                f"demand negative_binomial needs exactly one of cv(={cv}) and "
                f"variance_ratio(={variance_ratio})"
            )
        self.cv = None if cv is None else float(_positive("cv", cv))
        self.variance_ratio = None
        if variance_ratio is not None:
            ratio = _as_array("variance_ratio", variance_ratio)
            if ratio.ndim:
                raise ValueError(f"demand variance_ratio(={variance_ratio!r}) must be one number")
            _check(
                "variance_ratio", ratio, np.isfinite(ratio) & (ratio > 1), "> 1 (variance > mean)"
            )
            self.variance_ratio = float(ratio)
        elif self.cv is not None and self._mean.ndim == 0 and self.mean_spread == 0:
            self._ratio_from_cv(self._mean.reshape(1))
        self._ratio: np.ndarray | None = None
        self._table: InversionTable | None = None
        self._table_tried = False

    def _ratio_from_cv(self, base: np.ndarray) -> np.ndarray:
        cv = float(self.cv or 0.0)
        ratio = cv * cv * base
        bad = np.flatnonzero(ratio <= 1)
        if bad.size:
            i = int(bad[np.argmin(base[bad])])
            where = f" (SKU {i})" if base.shape[0] > 1 else ""
            raise ValueError(
                f"demand cv(={cv}) gives variance <= mean at mean {base[i]:.6g}{where}: the "
                f"negative binomial needs cv**2 * mean > 1, i.e. cv > {1 / np.sqrt(base[i]):.4g}; "
                "raise cv, lower mean_spread, or use poisson"
            )
        return ratio

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        self._table, self._table_tried = None, False
        base = _per_sku("mean", self._mean, n_skus) * lognormal_factors(
            rng, n_skus, self.mean_spread
        )
        if self.variance_ratio is not None:
            self._ratio = np.full(n_skus, self.variance_ratio)
        else:
            self._ratio = self._ratio_from_cv(base)
        return base

    def _params(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-SKU ``r`` at base level and success probability ``p = 1 / ratio``."""
        base, _ = self._ready()
        ratio = self._ratio
        return base / (ratio - 1.0), 1.0 / ratio

    def _stationary_table(self) -> InversionTable | None:
        """Inversion table at base level, built on first use (None if too large)."""
        if not self._table_tried:
            self._table_tried = True
            r, p = self._params()
            if np.all(p == p[0]):  # the tail quantile grows with r at fixed p
                upper = stats.nbinom.isf(TABLE_TAIL, r.max(), p[0])
            else:
                upper = stats.nbinom.isf(TABLE_TAIL, r, p).max()
            k = _table_support(upper, r.shape[0]) if np.isfinite(upper) else None
            if k is not None:
                # log pmf by the recursion P(x + 1) / P(x) = (x + r) (1 - p) / (x + 1)
                x = np.arange(k - 1, dtype=float)
                steps = np.log((x + r[:, None]) / (x + 1.0)) + np.log1p(-p)[:, None]
                log_pmf = np.empty((r.shape[0], k))
                log_pmf[:, 0] = r * np.log(p)
                np.cumsum(steps, axis=1, out=log_pmf[:, 1:])
                log_pmf[:, 1:] += log_pmf[:, :1]
                self._table = InversionTable(log_pmf)
        return self._table

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        r, p = self._params()
        scale = (1.0 - p) / p
        table = self._stationary_table() if mult is None else None
        if table is not None:
            return table.sample(rng, n_periods)
        shape = r if mult is None else r * mult
        shape = np.broadcast_to(shape, (n_periods, r.shape[0]))
        rate = rng.standard_gamma(shape) * scale  # gamma-Poisson mixture
        return rng.poisson(rate).astype(np.float64)

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        base, _ = self._ready()
        return np.sqrt(self._ratio * base * level)

    def _occurrence_rate(self) -> np.ndarray:
        # Orders arrive at rate mean / E[size]; logarithmic sizes with q = 1 - p have
        # E[size] = q / (p * -log p) (Johnson, Kemp & Kotz 2005, Ch. 7).
        base, _ = self._ready()
        p = 1.0 / self._ratio
        return base * p * -np.log(p) / (1.0 - p)

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        q = 1.0 - 1.0 / self._ratio
        return rng.logseries(q[sku]).astype(np.float64)

    def _columns(self) -> dict[str, np.ndarray]:
        return {"variance_ratio": self._ratio.copy()}


class Intermittent(DemandModel):
    """Croston (1972) demand: a Bernoulli(``probability``) occurrence times a positive size.

    ``size_dist``: ``"geometric"`` (sizes 1, 2, ..., mean ``size_mean`` >= 1, variance
    ``s (s - 1)``), ``"poisson"`` (``1 + Poisson(size_mean - 1)``, variance ``s - 1``) or
    ``"lognormal"`` (real-valued, mean ``size_mean``, cv ``size_cv``; the only
    non-integer demand besides normal and deterministic). ``probability_spread`` is the cv
    of the per-SKU probability across the population (beta-distributed).
    """

    family = "intermittent"
    SIZE_DISTS: ClassVar[tuple[str, ...]] = ("geometric", "poisson", "lognormal")

    def __init__(
        self,
        *,
        probability: float | Sequence[float],
        size_mean: float | Sequence[float],
        size_dist: str = "geometric",
        size_cv: float | None = None,
        probability_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        prob = _as_array("probability", probability)
        _check("probability", prob, (prob > 0) & (prob <= 1), "in (0, 1]")
        self._probability = prob
        if size_dist not in self.SIZE_DISTS:
            raise ValueError(f"demand size_dist(={size_dist!r}) must be one of {self.SIZE_DISTS}")
        self.size_dist = size_dist
        size = _positive("size_mean", size_mean)
        if size_dist != "lognormal":
            _check("size_mean", size, size >= 1, f">= 1 for {size_dist} sizes (sizes are >= 1)")
            if size_cv is not None:
                raise ValueError(
                    f"demand size_cv(={size_cv}) applies to lognormal sizes only; "
                    f"{size_dist} sizes have their cv fixed by size_mean"
                )
            self.size_cv = None
        else:
            if size_cv is None:
                raise ValueError("demand size_cv(=None) must be given for lognormal sizes")
            self.size_cv = float(_positive("size_cv", size_cv))
        self._size = size
        self.probability_spread = _non_negative_scalar("probability_spread", probability_spread)
        _spread_needs_scalar("probability", prob, "probability_spread", self.probability_spread)
        if self.probability_spread > 0:
            p = float(prob)
            limit = np.sqrt((1 - p) / p)
            if self.probability_spread >= limit:
                raise ValueError(
                    f"demand probability_spread(={self.probability_spread}) must be < "
                    f"sqrt((1 - p) / p) = {limit:.4g} for probability {p} (beta distribution)"
                )
        self._p: np.ndarray | None = None
        self._s: np.ndarray | None = None

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        if self.probability_spread > 0:
            p = float(self._probability)
            total = (1 - p) / (p * self.probability_spread**2) - 1  # a + b of the beta
            self._p = rng.beta(p * total, (1 - p) * total, n_skus)
        else:
            self._p = _per_sku("probability", self._probability, n_skus)
        self._s = _per_sku("size_mean", self._size, n_skus)
        return self._p * self._s

    def _split(self, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Occurrence probability and size mean when the multiplier is ``level``."""
        p = np.minimum(self._p * level, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = np.where(p > 0, self._p * level / p, 1.0)
        return p, self._s * excess

    def _sizes(self, rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
        if self.size_dist == "geometric":
            return rng.geometric(1.0 / mean).astype(np.float64)
        if self.size_dist == "poisson":
            return 1.0 + rng.poisson(mean - 1.0)
        sigma2 = np.log1p(float(self.size_cv) ** 2)
        return rng.lognormal(np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2))

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        self._ready()
        n = self._p.shape[0]
        if mult is None:
            p, s = self._p, self._s
        else:
            p, s = self._split(mult)
        occurs = rng.random((n_periods, n)) < p
        where = np.flatnonzero(occurs)
        size_mean = self._s[where % n] if mult is None else s.ravel()[where]
        out = np.zeros((n_periods, n))
        out.ravel()[where] = self._sizes(rng, size_mean)
        return out

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        self._ready()
        p, s = self._split(level)
        if self.size_dist == "geometric":
            var_size = s * (s - 1.0)
        elif self.size_dist == "poisson":
            var_size = s - 1.0
        else:
            var_size = (float(self.size_cv) * s) ** 2
        return np.sqrt(np.maximum(p * (var_size + s * s) - (p * s) ** 2, 0.0))

    def _occurrence_rate(self) -> np.ndarray:
        self._ready()
        return self._p

    def _event_sizes(self, rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
        return self._sizes(rng, self._s[sku])

    def _columns(self) -> dict[str, np.ndarray]:
        return {"probability": self._p.copy(), "size_mean": self._s.copy()}


class Deterministic(DemandModel):
    """Constant demand of ``mean`` units per period (fractional allowed); no randomness."""

    family = "deterministic"

    def __init__(
        self,
        *,
        mean: float | Sequence[float],
        mean_spread: float = 0.0,
        **modulation: Unpack[ModulationParams],
    ) -> None:
        super().__init__(**modulation)
        self._set_mean(mean, mean_spread)

    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        return self._population_means(n_skus, rng)

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:
        base, _ = self._ready()
        return np.tile(base, (n_periods, 1)) if mult is None else base * mult

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        return np.zeros(self.n_skus)

    def sample_events(
        self, rng: np.random.Generator, horizon: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit demands at the times where cumulative expected demand reaches 1, 2, ...

        Within a cell of constant rate ``c`` starting at ``t0`` with cumulative demand
        ``L0``, unit ``k`` falls at ``t0 + (k - L0) / c``. Without modulation: ``k / mean``.
        """
        base, _ = self._ready()
        n = base.shape[0]
        starts, lengths, mult = self._cells(horizon)
        rate = np.broadcast_to(base, (starts.shape[0], n)) if mult is None else base * mult
        cum = np.zeros((starts.shape[0] + 1, n))
        np.cumsum(rate * lengths[:, None], axis=0, out=cum[1:])
        whole = np.floor(cum)
        counts = (whole[1:] - whole[:-1]).astype(np.int64).ravel()
        cell_sku = np.repeat(np.arange(counts.size), counts)
        first = np.cumsum(counts) - counts  # position of each cell's first unit
        rank = np.arange(cell_sku.size) - first[cell_sku]  # 0, 1, ... within a cell
        cell, sku = np.divmod(cell_sku, n)
        units = whole[:-1].ravel()[cell_sku] + 1.0 + rank
        times = starts[cell] + (units - cum[:-1].ravel()[cell_sku]) / rate.ravel()[cell_sku]
        keep = times < float(horizon)
        times, sku = times[keep], sku[keep]
        order = np.argsort(times, kind="stable")
        return times[order], sku[order], np.ones(order.shape[0])


# --------------------------------------------------------------------------- reporting


def population_summary(model: DemandModel) -> pd.DataFrame:
    """One row per SKU: ``sku``, ``family``, ``mean``, ``std``, ``base_mean`` and the
    family's own parameters (``base_std``; ``variance_ratio``; ``probability``,
    ``size_mean``), then ``yearly_peak`` and ``shock_<j>`` when modulation draws them."""
    mean = model.mean()
    frame = pd.DataFrame(
        {
            "sku": np.arange(mean.shape[0], dtype=np.int64),
            "family": model.family,
            "mean": mean,
            "std": model.std(),
            "base_mean": model.base_mean(),
        }
    )
    for name, column in {**model._columns(), **model.modulation.columns()}.items():
        frame[name] = column
    return frame
