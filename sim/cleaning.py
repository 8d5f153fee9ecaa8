"""Cleaning a sales history into demand: closed days, returns, outliers, stock-outs, gaps.

Sales are not demand. :func:`clean_sales` turns a :class:`~sim.sales.SalesTable` into a
:class:`SalesHistory`: a regular grid of periods x stores x SKUs holding demand that is
finite and non-negative, with every change counted. The steps run in this order, each a
small class with one job (the YAML keys are ``demand.cleaning.<key>``):

1. ``returns`` (:class:`Returns`). A negative quantity is goods coming back. ``separate``
   moves it to the ``returns`` array and records sales of 0; ``net`` subtracts returns
   (negative quantities and the ``returns`` column) from the sales of the same period,
   and any excess from the periods before it, latest first, so that the net total is
   kept (returns beyond all earlier sales are dropped).
2. ``closed_days`` (:class:`ClosedDays`). A store is closed on a date on which it sold
   nothing of any SKU: every SKU's row is absent or carries the ``closed`` flag, or the
   rows record no sale and no return while the store's median daily total (from its
   first to its last sale) is positive: a holiday exported as zeros, while a store with
   intermittent demand is not closed on each quiet day. Its demand is 0 (``zero``) or
   missing, to be imputed (``impute``). A SKU a store never sold (no row in the whole
   table) is not in its assortment: demand 0.
3. ``outliers`` (:class:`Outliers`). A Hampel filter (Hampel 1974; Pearson 2002) on the
   seasonal residual ``r_t = y_t - m_t``, where ``m_t`` is the median of the same
   weekday's values within ``impute_weeks`` weeks either side, ``t`` included (daily
   data; weekly data: the centred median of ``2 * impute_weeks + 1`` periods). The scale
   is the robust standard deviation of each series' residuals, ``1.4826 * MAD`` (the
   normal-consistent median absolute deviation); where the MAD is 0 (e.g. a series that
   is mostly zeros) it is ``1.2533 * mean |r - median(r)|`` instead (a common fallback
   for the modified z-score of Iglewicz & Hoaglin 1993), and at least 1e-9. A value is an
   outlier when ``|r_t| > outlier_threshold * scale`` and ``|r_t| > 0.5`` (so that a
   nearly constant series does not flag tiny deviations). ``cap`` sets it to
   ``m_t +- outlier_threshold * scale``, ``missing`` leaves it to imputation, ``keep``
   keeps it. Missing, closed and out-of-stock cells neither vote nor get flagged.
4. ``stockouts`` (:class:`Stockouts`). Sales on a day flagged out of stock are censored
   demand (Nahmias 1994): ``uncensor`` raises them to the imputation estimate of that
   day computed without out-of-stock and closed days, ``max(sold, estimate)``; ``keep``
   leaves them. The estimate is the ``impute`` method's, or ``same_weekday`` when that
   method is ``zero`` or ``none``.
5. ``impute`` (:class:`Impute`). Missing values (a date a series has no row for on a day
   its store was open, a missing quantity, a closed day under ``closed_days=impute``, an
   outlier under ``outliers=missing``): ``same_weekday`` takes the median of the same
   weekday within ``impute_weeks`` weeks either side (weekly data: neighbouring periods
   within ``impute_weeks``), falling back to ``linear`` where no such value exists;
   ``linear`` interpolates in time between the nearest known values and holds the first
   and last ones towards the ends; ``zero`` fills 0 (right for exports that leave out
   rows without sales); ``none`` fills nothing, and values left missing are an error.
   Closed days never serve as neighbours.

The maths are pure functions on ``(periods, series)`` arrays (:func:`seasonal_median`,
:func:`robust_scale`, :func:`find_outliers`, :func:`net_returns`, :func:`fill_linear`),
vectorised over all series at once: no loop over series.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sim.checks import is_int
from sim.sales import WEEKDAYS, SalesTable, natural_key, read_sales

__all__ = [
    "CleaningSettings",
    "SalesHistory",
    "Step",
    "Returns",
    "ClosedDays",
    "Outliers",
    "Stockouts",
    "Impute",
    "clean_sales",
    "load_sales",
    "seasonal_median",
    "robust_scale",
    "find_outliers",
    "net_returns",
    "closed_store_days",
    "fill_linear",
    "fill_forward_backward",
]

#: Normal consistency factors: sigma = 1.4826 MAD = sqrt(pi / 2) mean absolute deviation.
MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.253314
#: Smallest robust scale, so that a constant series has a finite threshold.
MIN_SCALE = 1e-9
#: Smallest residual flagged as an outlier, in units of the quantity.
MIN_OUTLIER_RESIDUAL = 0.5
#: Largest stack of shifted copies built at once by :func:`seasonal_median` (elements).
CHUNK_ELEMENTS = 1 << 23
_DAY_NS = 86_400 * 10**9

CHOICES: dict[str, tuple[str, ...]] = {
    "closed_days": ("zero", "impute"),
    "impute": ("same_weekday", "linear", "zero", "none"),
    "outliers": ("cap", "keep", "missing"),
    "returns": ("separate", "net"),
    "stockouts": ("uncensor", "keep"),
}


def _choice(key: str, value: Any) -> None:
    if value not in CHOICES[key]:
        raise ValueError(
            f"demand.cleaning.{key}(={value!r}) must be one of {', '.join(CHOICES[key])}"
        )


@dataclass(frozen=True)
class CleaningSettings:
    """The YAML keys ``demand.cleaning.<key>``; see the module docstring for each step."""

    closed_days: str = "zero"  # zero | impute
    impute: str = "same_weekday"  # same_weekday | linear | zero | none
    impute_weeks: int = 4  # neighbours either side: weeks (daily data) or periods (weekly)
    outliers: str = "cap"  # cap | keep | missing
    outlier_threshold: float = 6.0  # robust standard deviations of the seasonal residual
    returns: str = "separate"  # separate | net
    stockouts: str = "uncensor"  # uncensor | keep

    def __post_init__(self) -> None:
        for key in CHOICES:
            _choice(key, getattr(self, key))
        weeks = self.impute_weeks
        if not is_int(weeks, 1, types=Integral):
            raise ValueError(f"demand.cleaning.impute_weeks(={weeks!r}) must be an integer >= 1")
        threshold = self.outlier_threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, Real)
            or not np.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(
                f"demand.cleaning.outlier_threshold(={threshold!r}) must be a number > 0"
            )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> CleaningSettings:
        """Settings from a YAML mapping; an unknown key is an error listing the valid ones."""
        valid = [f.name for f in fields(cls)]
        for key in mapping:
            if key not in valid:
                raise ValueError(
                    f"demand.cleaning.{key}: unknown key; valid keys are {', '.join(valid)}"
                )
        return cls(**{str(k): v for k, v in mapping.items()})


# ---------------------------------------------------------------------------- kernels


def nanmedian(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """Median along ``axis`` ignoring NaN (NaN where all are NaN), by one sort."""
    ordered = np.sort(a, axis=axis)  # NaN sorts last
    count = np.sum(~np.isnan(a), axis=axis, keepdims=True)
    low = np.maximum((count - 1) // 2, 0)
    high = np.maximum(count // 2, 0)
    high = np.minimum(high, a.shape[axis] - 1)
    value = 0.5 * (
        np.take_along_axis(ordered, low, axis=axis) + np.take_along_axis(ordered, high, axis=axis)
    )
    value = np.where(count > 0, value, np.nan)
    return np.squeeze(value, axis=axis)


def seasonal_median(y: np.ndarray, step: int, reach: int) -> np.ndarray:
    """``m[t] = median of y[t + j * step] for |j| <= reach`` ignoring NaN; y is (T, N).

    With ``step = 7`` on daily data: the same weekday within ``reach`` weeks either side.
    """
    periods, n_series = y.shape
    offsets = [j * step for j in range(-reach, reach + 1)]
    out = np.empty_like(y, dtype=float)
    block = max(1, CHUNK_ELEMENTS // max(1, periods * len(offsets)))
    for lo in range(0, n_series, block):
        part = y[:, lo : lo + block]
        stack = np.full((part.shape[0], part.shape[1], len(offsets)), np.nan)
        for i, offset in enumerate(offsets):
            if abs(offset) >= periods:
                continue
            if offset >= 0:
                stack[: periods - offset, :, i] = part[offset:]
            else:
                stack[-offset:, :, i] = part[: periods + offset]
        out[:, lo : lo + block] = nanmedian(stack, axis=2)
    return out


def robust_scale(residual: np.ndarray) -> np.ndarray:
    """Robust standard deviation of each column of ``residual`` (T, N), ignoring NaN.

    ``1.4826 * MAD``; where the MAD is 0, ``1.2533 * mean |r - median(r)|``; at least
    :data:`MIN_SCALE`.
    """
    centre = nanmedian(residual, axis=0)
    deviation = np.abs(residual - centre)
    mad = nanmedian(deviation, axis=0)
    known = np.sum(~np.isnan(deviation), axis=0)
    mean_ad = np.nansum(deviation, axis=0) / np.maximum(known, 1)
    scale = np.where(mad > 0, MAD_TO_SIGMA * mad, MEAN_AD_TO_SIGMA * mean_ad)
    return np.maximum(np.nan_to_num(scale), MIN_SCALE)


def find_outliers(
    y: np.ndarray, eligible: np.ndarray, step: int, reach: int, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hampel filter on the seasonal residual: ``(outlier mask, baseline m, bound)``.

    Only ``eligible`` cells vote and are flagged. ``bound`` (N,) is
    ``threshold * robust_scale``; a cell is an outlier when ``|y - m| > bound`` and
    ``|y - m| >`` :data:`MIN_OUTLIER_RESIDUAL`.
    """
    values = np.where(eligible, y, np.nan)
    baseline = seasonal_median(values, step, reach)
    residual = values - baseline
    bound = threshold * robust_scale(residual)
    size = np.abs(np.nan_to_num(residual))
    mask = eligible & (size > bound) & (size > MIN_OUTLIER_RESIDUAL)
    return mask, baseline, bound


def net_returns(sales: np.ndarray, returned: np.ndarray) -> np.ndarray:
    """Sales (T, N) net of ``returned`` (T, N, >= 0): excess returns come off earlier periods.

    Missing sales stay missing and pass their returns to the periods before; returns
    exceeding all earlier sales are dropped. The result is >= 0.
    """
    out = np.empty_like(sales, dtype=float)
    carry = np.zeros(sales.shape[1])
    for t in range(sales.shape[0] - 1, -1, -1):
        known = ~np.isnan(sales[t])
        net = np.where(known, sales[t], 0.0) - returned[t] - carry
        carry = np.maximum(-net, 0.0)
        out[t] = np.where(known, np.maximum(net, 0.0), np.nan)
    return out


def closed_store_days(
    sales: np.ndarray,
    returned: np.ndarray,
    present: np.ndarray,
    closed_flag: np.ndarray,
    n_stores: int,
) -> np.ndarray:
    """Closed store-days (T, S) from sales, returns, row presence and flags, all (T, S * K).

    A store is closed on a date when no SKU has an unflagged row there (rows absent or
    flagged closed), or when its unflagged rows record no sale and no return at all
    (quantities 0 or missing, at least one known) while on a typical day it sells: its
    median daily total, over the dates from its first to its last sale, is positive. The
    second rule catches holidays (and days before a store opened) exported as rows of
    zeros, without closing every quiet day of a store whose demand is intermittent.
    """
    periods = sales.shape[0]
    shape = (periods, n_stores, -1)
    open_row = (present & ~closed_flag).reshape(shape)
    known = open_row & ~np.isnan(sales).reshape(shape)
    sold = np.where(known, sales.reshape(shape), 0.0)
    active = (sold != 0) | (open_row & (returned.reshape(shape) > 0))
    silent = ~open_row.any(axis=2)
    has_known = known.any(axis=2)
    total = np.where(has_known, np.abs(sold).sum(axis=2), np.nan)
    trading = _between_first_and_last(np.nan_to_num(total) > 0)
    busy = np.nan_to_num(nanmedian(np.where(trading, total, np.nan), axis=0)) > 0  # (S,)
    quiet = has_known & ~active.any(axis=2) & busy
    return silent | quiet


def _between_first_and_last(active: np.ndarray) -> np.ndarray:
    """(T, N) bool: from the first to the last active row of each column."""
    return (
        np.logical_or.accumulate(active, axis=0)
        & np.logical_or.accumulate(active[::-1], axis=0)[::-1]
    )


def _neighbours(known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the last known row at or before each row (-1: none) and the first at or
    after it (T: none), per column."""
    periods = known.shape[0]
    index = np.arange(periods)[:, None]
    before = np.maximum.accumulate(np.where(known, index, -1), axis=0)
    after = np.minimum.accumulate(np.where(known, index, periods)[::-1], axis=0)[::-1]
    return before, after


def fill_linear(y: np.ndarray) -> np.ndarray:
    """Linear interpolation in time of each column of y (T, N); the first and last known
    values are held towards the ends; all-NaN columns stay NaN."""
    periods = y.shape[0]
    known = ~np.isnan(y)
    before, after = _neighbours(known)
    y_before = np.take_along_axis(y, np.clip(before, 0, periods - 1), axis=0)
    y_after = np.take_along_axis(y, np.clip(after, 0, periods - 1), axis=0)
    has_before, has_after = before >= 0, after < periods
    index = np.arange(periods)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = (index - before) / np.maximum(after - before, 1)
    between = y_before + (y_after - y_before) * weight
    out = np.where(has_before & has_after, between, np.where(has_before, y_before, y_after))
    return np.where(known, y, out)


def fill_forward_backward(y: np.ndarray) -> np.ndarray:
    """Forward fill in time, then backward fill, per column of y (T, N)."""
    periods = y.shape[0]
    known = ~np.isnan(y)
    before, after = _neighbours(known)
    y_before = np.take_along_axis(y, np.clip(before, 0, periods - 1), axis=0)
    y_after = np.take_along_axis(y, np.clip(after, 0, periods - 1), axis=0)
    return np.where(known, y, np.where(before >= 0, y_before, y_after))


def _same_weekday(sources: np.ndarray, step: int, reach: int) -> np.ndarray:
    estimate = seasonal_median(sources, step, reach)
    return np.where(np.isnan(estimate), fill_linear(sources), estimate)


def _linear(sources: np.ndarray, step: int, reach: int) -> np.ndarray:
    return fill_linear(sources)


def _zero(sources: np.ndarray, step: int, reach: int) -> np.ndarray:
    return np.zeros_like(sources)


#: impute method -> estimate of every cell from the known ``sources`` (T, N).
ESTIMATORS: dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {
    "same_weekday": _same_weekday,
    "linear": _linear,
    "zero": _zero,
}


# ---------------------------------------------------------------------------- steps


def _differs(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return ~((before == after) | (np.isnan(before) & np.isnan(after)))


@dataclass
class Panel:
    """The working arrays of one cleaning run; (T, N) with N = stores x SKUs, store-major."""

    demand: np.ndarray  # NaN = missing
    present: np.ndarray  # bool: the table has a row for the cell
    returned: np.ndarray  # >= 0: the returns column (negative quantities added by Returns)
    closed_flag: np.ndarray  # bool: the row carries the closed flag
    in_stock: np.ndarray | None  # bool, None when the table has no flag
    n_stores: int
    n_skus: int
    step: int  # periods between the same weekday: 7 for daily data, 1 for weekly
    reach: int  # impute_weeks
    closed: np.ndarray = field(init=False)  # (T, S), set by ClosedDays

    def __post_init__(self) -> None:
        self.closed = np.zeros((self.demand.shape[0], self.n_stores), dtype=bool)

    def closed_cells(self) -> np.ndarray:
        return np.repeat(self.closed, self.n_skus, axis=1)


class Step(ABC):
    """One cleaning step: changes ``panel`` in place and counts the cells it changed.

    ``apply`` returns an (S, K) integer array: changed cells per store and SKU.
    """

    name: ClassVar[str]

    @abstractmethod
    def apply(self, panel: Panel) -> np.ndarray: ...

    @staticmethod
    def _count(panel: Panel, changed: np.ndarray) -> np.ndarray:
        return changed.sum(axis=0).reshape(panel.n_stores, panel.n_skus)


class Returns(Step):
    """Negative quantities (and the returns column) split off (``separate``) or netted."""

    name = "returns"

    def __init__(self, mode: str = "separate") -> None:
        _choice("returns", mode)
        self.mode = mode

    def apply(self, panel: Panel) -> np.ndarray:
        quantity = panel.demand
        sales = np.maximum(quantity, 0.0)  # NaN stays NaN
        panel.returned = panel.returned + np.fmax(-quantity, 0.0)
        demand = sales if self.mode == "separate" else net_returns(sales, panel.returned)
        changed = _differs(quantity, demand)
        panel.demand = demand
        return self._count(panel, changed)


class ClosedDays(Step):
    """Store-days without any sale (see :func:`closed_store_days`): 0 or left to imputation."""

    name = "closed_days"

    def __init__(self, mode: str = "zero") -> None:
        _choice("closed_days", mode)
        self.mode = mode

    def apply(self, panel: Panel) -> np.ndarray:
        panel.closed = closed_store_days(
            panel.demand, panel.returned, panel.present, panel.closed_flag, panel.n_stores
        )
        demand = panel.demand.copy()
        demand[panel.closed_cells()] = 0.0 if self.mode == "zero" else np.nan
        demand[:, ~panel.present.any(axis=0)] = 0.0  # not in the store's assortment
        changed = _differs(panel.demand, demand)
        panel.demand = demand
        return self._count(panel, changed)


class Outliers(Step):
    """Hampel filter on the seasonal residual; ``cap``, ``missing`` or ``keep``."""

    name = "outliers"

    def __init__(self, mode: str = "cap", threshold: float = 6.0) -> None:
        _choice("outliers", mode)
        self.mode = mode
        self.threshold = threshold

    def eligible(self, panel: Panel) -> np.ndarray:
        ok = panel.present & ~np.isnan(panel.demand) & ~panel.closed_cells()
        return ok if panel.in_stock is None else ok & panel.in_stock

    def apply(self, panel: Panel) -> np.ndarray:
        if self.mode == "keep":
            return self._count(panel, np.zeros_like(panel.present))
        mask, baseline, bound = find_outliers(
            panel.demand, self.eligible(panel), panel.step, panel.reach, self.threshold
        )
        if self.mode == "cap":
            capped = baseline + np.sign(panel.demand - baseline) * bound
            panel.demand = np.where(mask, capped, panel.demand)
        else:
            panel.demand = np.where(mask, np.nan, panel.demand)
        return self._count(panel, mask)


class Stockouts(Step):
    """Censored sales on out-of-stock days raised to ``max(sold, estimate)``."""

    name = "stockouts"

    def __init__(self, mode: str = "uncensor", estimator: str = "same_weekday") -> None:
        _choice("stockouts", mode)
        self.mode = mode
        self.estimate = ESTIMATORS[
            estimator if estimator in ("same_weekday", "linear") else "same_weekday"
        ]

    def apply(self, panel: Panel) -> np.ndarray:
        if self.mode == "keep" or panel.in_stock is None:
            return self._count(panel, np.zeros_like(panel.present))
        closed = panel.closed_cells()
        out = ~panel.in_stock & ~closed & ~np.isnan(panel.demand)
        sources = np.where(panel.in_stock & ~closed, panel.demand, np.nan)
        estimate = self.estimate(sources, panel.step, panel.reach)
        raised = out & (np.nan_to_num(estimate, nan=-np.inf) > panel.demand)
        panel.demand = np.where(raised, estimate, panel.demand)
        return self._count(panel, raised)


class Impute(Step):
    """Missing values filled from known ones (closed days never serve as neighbours)."""

    name = "impute"

    def __init__(self, mode: str = "same_weekday") -> None:
        _choice("impute", mode)
        self.mode = mode

    def apply(self, panel: Panel) -> np.ndarray:
        missing = np.isnan(panel.demand)
        if self.mode == "none" or not missing.any():
            return self._count(panel, np.zeros_like(missing))
        sources = np.where(panel.closed_cells(), np.nan, panel.demand)
        estimate = ESTIMATORS[self.mode](sources, panel.step, panel.reach)
        estimate = np.nan_to_num(estimate, nan=0.0)  # a series without any known value
        panel.demand = np.where(missing, estimate, panel.demand)
        return self._count(panel, missing)


def make_steps(settings: CleaningSettings) -> list[Step]:
    """The steps in their order of application."""
    return [
        Returns(settings.returns),
        ClosedDays(settings.closed_days),
        Outliers(settings.outliers, settings.outlier_threshold),
        Stockouts(settings.stockouts, settings.impute),
        Impute(settings.impute),
    ]


STEP_NAMES = ("returns", "closed_days", "outliers", "stockouts", "impute")


# ---------------------------------------------------------------------------- history


@dataclass
class SalesHistory:
    """Cleaned demand on a regular grid of periods x stores x SKUs."""

    dates: pd.DatetimeIndex  # (T,) the grid at freq, first to last date of the table
    freq: str
    stores: list[str]  # (S,) natural order ("2" < "10")
    skus: list[str]  # (K,) natural order
    demand: np.ndarray  # (T, S, K) float64, cleaned, finite, >= 0
    raw: np.ndarray  # (T, S, K) float64, the quantity as read, NaN where no row
    returns: np.ndarray  # (T, S, K) float64 >= 0, returned quantities (zeros when none)
    closed: np.ndarray  # (T, S) bool, closed days as the rule found them
    in_stock: np.ndarray | None  # (T, S, K) bool where the data has the flag
    exog: dict[str, np.ndarray]  # name -> (T, S, K) float64, gaps filled
    changes: pd.DataFrame  # step, store, sku, changed (> 0): cells changed per step
    source: str
    settings: CleaningSettings

    def summary(self) -> pd.DataFrame:
        """One row per step, in order, with the total number of cells it changed."""
        totals = self.changes.groupby("step", sort=False)["changed"].sum()
        return pd.DataFrame(
            {"step": list(STEP_NAMES), "changed": [int(totals.get(s, 0)) for s in STEP_NAMES]}
        )

    def to_frame(self) -> pd.DataFrame:
        """The long cleaned table, one row per (date, store, sku) cell of the grid."""
        periods, n_stores, n_skus = self.demand.shape
        columns: dict[str, Any] = {
            "date": np.repeat(self.dates.to_numpy(), n_stores * n_skus),
            "store": pd.array(
                np.tile(np.repeat(np.asarray(self.stores, dtype=object), n_skus), periods),
                dtype="str",
            ),
            "sku": pd.array(
                np.tile(np.asarray(self.skus, dtype=object), periods * n_stores), dtype="str"
            ),
            "quantity": self.demand.ravel(),
            "raw_quantity": self.raw.ravel(),
            "returns": self.returns.ravel(),
            "closed": np.repeat(self.closed, n_skus, axis=1).ravel(),
        }
        if self.in_stock is not None:
            columns["in_stock"] = self.in_stock.ravel()
        for name, values in self.exog.items():
            columns[name] = values.ravel()
        return pd.DataFrame(columns)

    def series(self) -> np.ndarray:
        """Demand as (T, S * K), store-major: column ``s * K + k``."""
        return self.demand.reshape(self.demand.shape[0], -1)

    def pooled(self) -> np.ndarray:
        """Demand summed over stores, (T, K)."""
        return self.demand.sum(axis=1)


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of string labels, numbered in natural order."""
    codes, uniques = pd.factorize(values.astype(str))
    labels = sorted((str(u) for u in uniques), key=natural_key)
    order = {label: i for i, label in enumerate(labels)}
    remap = np.array([order[str(u)] for u in uniques], dtype=np.int64)
    return remap[codes], labels


def _grid(table: SalesTable) -> tuple[pd.DatetimeIndex, np.ndarray, int]:
    """The grid dates, each row's period index, and the periods between equal weekdays."""
    freq = table.freq
    if freq == "D":
        days_per_period, step = 1, 7
    elif freq[:2] == "W-" and freq[2:] in WEEKDAYS:
        days_per_period, step = 7, 1
    else:
        raise ValueError(f"SalesTable freq(={freq!r}) must be D or W-MON .. W-SUN")
    stamps = table.frame["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    first = int(stamps.min())
    offset, remainder = np.divmod(stamps - first, days_per_period * _DAY_NS)
    if np.any(remainder):
        row = int(np.flatnonzero(remainder)[0])
        raise ValueError(
            f"{table.source}: date {pd.Timestamp(stamps[row])} of row {row + 1} is not on "
            f"the {freq} grid starting {pd.Timestamp(first).date()}"
        )
    periods = int(offset.max()) + 1
    dates = pd.date_range(pd.Timestamp(first), periods=periods, freq=freq)
    return dates, offset.astype(np.int64), step


def _fill_exog(values: np.ndarray) -> np.ndarray:
    """Forward then backward fill per series; then the date's median over series; then 0."""
    filled = fill_forward_backward(values)
    if np.isnan(filled).any():
        with np.errstate(all="ignore"):
            by_date = nanmedian(filled, axis=1)[:, None]
        filled = np.where(np.isnan(filled), by_date, filled)
    return np.nan_to_num(filled, nan=0.0)


def clean_sales(table: SalesTable, settings: CleaningSettings = CleaningSettings()) -> SalesHistory:
    """Put ``table`` on its grid and run the cleaning steps; see the module docstring.

    Raises ValueError when ``settings.impute`` is ``none`` and values stay missing.
    """
    if not isinstance(settings, CleaningSettings):
        raise TypeError(f"settings(={settings!r}) must be a CleaningSettings")
    frame = table.frame
    dates, period, step = _grid(table)
    store_codes, stores = _codes(frame["store"])
    sku_codes, skus = _codes(frame["sku"])
    periods, n_stores, n_skus = len(dates), len(stores), len(skus)
    n_series = n_stores * n_skus
    cell = (period * n_stores + store_codes) * n_skus + sku_codes
    size = periods * n_series
    rows_per_cell = np.bincount(cell, minlength=size)
    if rows_per_cell.max(initial=0) > 1:
        row = int(np.flatnonzero(rows_per_cell[cell] > 1)[0])
        raise ValueError(
            f"{table.source}: several rows for store {frame['store'].iat[row]!r}, sku "
            f"{frame['sku'].iat[row]!r}, date {frame['date'].dt.date.iat[row]}; "
            f"read it with demand.duplicates=sum"
        )
    shape2 = (periods, n_series)

    def grid(values: np.ndarray, fill: Any) -> np.ndarray:
        out = np.full(size, fill, dtype=float if isinstance(fill, float) else bool)
        out[cell] = values
        return out.reshape(shape2)

    raw = grid(frame["quantity"].to_numpy(dtype=float), np.nan)
    returned = np.zeros(shape2)
    if "returns" in frame:
        returned = np.nan_to_num(np.abs(grid(frame["returns"].to_numpy(dtype=float), 0.0)))
    closed_flag = np.zeros(shape2, dtype=bool)
    if "closed" in frame:
        closed_flag = grid(frame["closed"].to_numpy(dtype=bool), False)
    in_stock = None
    if "in_stock" in frame:
        in_stock = grid(frame["in_stock"].to_numpy(dtype=bool), True)
    present = grid(np.ones(len(frame), dtype=bool), False)

    panel = Panel(
        demand=raw.copy(),
        present=present,
        returned=returned,
        closed_flag=closed_flag,
        in_stock=in_stock,
        n_stores=n_stores,
        n_skus=n_skus,
        step=step,
        reach=settings.impute_weeks,
    )
    counts = {s.name: s.apply(panel) for s in make_steps(settings)}
    _check_complete(panel.demand, settings, dates, stores, skus)

    rows = []
    for name in STEP_NAMES:
        store_index, sku_index = np.nonzero(counts[name])
        for s, k in zip(store_index, sku_index, strict=True):
            rows.append((name, stores[s], skus[k], int(counts[name][s, k])))
    changes = pd.DataFrame(rows, columns=["step", "store", "sku", "changed"]).astype(
        {"step": "str", "store": "str", "sku": "str", "changed": "int64"}
    )
    shape3 = (periods, n_stores, n_skus)
    exog = {
        name: _fill_exog(grid(frame[name].to_numpy(dtype=float), np.nan)).reshape(shape3)
        for name in table.exog
    }
    return SalesHistory(
        dates=dates,
        freq=table.freq,
        stores=stores,
        skus=skus,
        demand=np.maximum(panel.demand, 0.0).reshape(shape3),
        raw=raw.reshape(shape3),
        returns=panel.returned.reshape(shape3),
        closed=panel.closed,
        in_stock=None if in_stock is None else in_stock.reshape(shape3),
        exog=exog,
        changes=changes,
        source=table.source,
        settings=settings,
    )


def _check_complete(
    demand: np.ndarray,
    settings: CleaningSettings,
    dates: pd.DatetimeIndex,
    stores: list[str],
    skus: list[str],
) -> None:
    missing = np.isnan(demand)
    if not missing.any():
        return
    t, series = np.argwhere(missing)[0]
    store, sku = divmod(int(series), len(skus))
    raise ValueError(
        f"demand.cleaning.impute(={settings.impute!r}): {int(missing.sum())} missing values "
        f"remain, e.g. store {stores[store]}, sku {skus[sku]}, {dates[t].date()}; choose "
        f"same_weekday, linear or zero"
    )


def load_sales(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    freq: str | None = None,
    duplicates: str = "error",
    exog: Sequence[str] | str = "auto",
    cleaning: CleaningSettings | Mapping[str, Any] | None = None,
) -> SalesHistory:
    """:func:`~sim.sales.read_sales` then :func:`clean_sales`; ``cleaning`` may be the
    ``demand.cleaning`` mapping of the configuration."""
    if cleaning is None:
        settings = CleaningSettings()
    elif isinstance(cleaning, CleaningSettings):
        settings = cleaning
    elif isinstance(cleaning, Mapping):
        settings = CleaningSettings.from_mapping(cleaning)
    else:
        raise ValueError(f"demand.cleaning(={cleaning!r}) must be a mapping of settings")
    table = read_sales(path, columns=columns, freq=freq, duplicates=duplicates, exog=exog)
    return clean_sales(table, settings)
