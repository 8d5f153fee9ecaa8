"""Replayed demand: a sales history played back as customer demand.

:class:`Replay` reads a sales export (CSV or Parquet; :func:`sim.sales.load_sales` reads,
validates and cleans it, see :mod:`sim.sales` and :mod:`sim.cleaning`) and hands the
simulation the cleaned quantities as demand, store by store.

Time. The history is split at ``start`` (a date): period 0 of the simulation is that date,
periods before it are history. Forecasters are fitted on the history before ``start`` and
nothing after a decision time is visible to them (the simulation asks for periods
``-H .. -1`` before the run and for period ``t`` only once it has happened). ``start``
left null is the date ``horizon`` periods before the end of the data, so the simulation
replays the last ``horizon`` periods. Policies whose parameters are derived estimate the
demand from the history before ``start``: per SKU (and store) the sample mean and std of
the periods before it (:meth:`Replay.mean`, :meth:`Replay.std`); they plan with the normal
approximation (``planning_family = "normal"``).

Stores. With one demand-facing node (``network=single``, ``serial``) the stores are pooled:
the node sells the sum over all stores. With ``network=distribution`` and
``network.stores: auto`` (or ``from_data``) every store in the data becomes a store node
(``store<label>``); with a graph whose demand-facing nodes are named like the data's
stores, each node sells its store's demand. Any other pairing is refused.

Replications. ``resample: exact`` replays the history as it was: every replication sees the
same demand. ``resample: blocks`` draws each replication's future from the periods on or
after ``start`` by a moving-block bootstrap (Künsch 1989, "The jackknife and the bootstrap
for general stationary observations", *Ann. Statist.* 17(3)): consecutive blocks of
``block`` periods, each copied from a uniformly chosen position; for daily data the
block length is a multiple of 7 and positions keep the weekday, so the weekly pattern
survives, and every store and SKU takes the same blocks, so their cross-correlation
survives (yearly seasonality and trends do not). The block plan of replication ``k`` comes
from the replication's ``demand`` stream, so rival policies meet the same paths (common
random numbers). ``resample: auto`` (the default) is ``exact`` with one replication and
``blocks`` with more.

Exogenous columns. The data's numeric columns besides date, store, SKU and quantity
(holidays, promotions, prices, weather; calendar columns such as a weekday are never read,
the calendar is rebuilt from the dates) reach forecasters that use regressors: name them in
``forecaster.exog``. Planned columns are known ahead; the ``observed`` ones (weather) are
used as ``known`` (as if perfectly forecast) or ``lagged`` (the value of the period before,
the default: nothing from the future). Under ``blocks`` the columns follow the same block
plan as the demand. Beyond the end of the data the last row is repeated.

Shelf life. ``shelf_life`` (periods, one number or one per SKU; default none) makes the
goods perishable in the simulation (``sim/engine.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from sim.checks import is_int
from sim.cleaning import CleaningSettings, SalesHistory, load_sales
from sim.demand.base import DemandModel

__all__ = ["Replay", "Bakery", "store_node_name", "RESAMPLE_MODES", "OBSERVED_MODES", "BAKERY_PATH"]

#: How replications meet the future: as it was, or resampled in blocks (the module docstring)
ResampleMode = Literal["auto", "exact", "blocks"]
#: How an observed (not planned) data column reaches forecasters
ObservedMode = Literal["lagged", "known"]
RESAMPLE_MODES: tuple[ResampleMode, ...] = get_args(ResampleMode)
OBSERVED_MODES: tuple[ObservedMode, ...] = get_args(ObservedMode)
#: The bakery chain shipped with Stocklab (``sim/datasets/README.md``).
BAKERY_PATH = str(Path(__file__).parents[1] / "datasets" / "bakery.parquet")
#: Lookahead beyond the horizon covered by a replication's block plan (forecasts of the
#: last periods ask for regressors of the periods after them).
LOOKAHEAD = 400


class Replay(DemandModel):
    """Demand replayed from a sales export; see the module docstring. Keys (``demand.*``):
    ``path``, ``columns``, ``freq``, ``duplicates``, ``exog``, ``cleaning``, ``start``,
    ``resample``, ``block``, ``observed``, ``observed_as``, ``shelf_life``."""

    family = "replay"
    planning_family = "normal"

    def __init__(
        self,
        *,
        path: str | None = None,
        columns: Mapping[str, str] | None = None,
        freq: str | None = None,
        duplicates: str = "error",
        exog: Sequence[str] | str = "auto",
        cleaning: Mapping[str, Any] | None = None,
        start: str | None = None,
        resample: ResampleMode = "auto",
        block: int | None = None,
        observed: Sequence[str] | None = None,
        observed_as: ObservedMode = "lagged",
        shelf_life: Any = None,
    ) -> None:
        super().__init__(shelf_life=shelf_life)
        if path is None:
            raise ValueError(
                "demand.path(=None) is required: the sales export to replay (CSV or Parquet), "
                "e.g. demand.path=sales.csv"
            )
        if not isinstance(path, str) or not path:
            raise ValueError(f"demand.path(={path!r}) must be the path of a CSV or Parquet file")
        if resample not in RESAMPLE_MODES:
            raise ValueError(
                f"demand.resample(={resample!r}) must be one of {', '.join(RESAMPLE_MODES)}"
            )
        if observed_as not in OBSERVED_MODES:
            raise ValueError(
                f"demand.observed_as(={observed_as!r}) must be one of {', '.join(OBSERVED_MODES)}"
            )
        settings = (
            cleaning
            if isinstance(cleaning, CleaningSettings)
            else CleaningSettings(**_cleaning_keys(cleaning))
        )
        self.path = path
        self.history: SalesHistory = load_sales(
            path, columns=columns, freq=freq, duplicates=duplicates, exog=exog, cleaning=settings
        )
        history = self.history
        self._pooled = history.pooled()
        self.daily = history.freq == "D"
        default_block = 28 if self.daily else 4
        if block is None:
            block = default_block
        if not is_int(block, 1):
            raise ValueError(f"demand.block(={block!r}) must be an integer >= 1 (periods)")
        if self.daily and block % 7:
            raise ValueError(
                f"demand.block(={block}) must be a multiple of 7 for daily data (whole weeks)"
            )
        self.block = int(block)
        self.resample = resample
        observed = list(observed or [])
        unknown = [c for c in observed if c not in history.exog]
        if unknown:
            raise ValueError(
                f"demand.observed(={observed}): {unknown[0]!r} is not a column of {path}; "
                f"its exogenous columns are {', '.join(history.exog) or 'none'}"
            )
        self.observed = tuple(observed)
        self.observed_as = observed_as
        self.start_date: pd.Timestamp | None = None
        if start is not None:
            try:
                self.start_date = pd.Timestamp(str(start))
            except (ValueError, TypeError):
                raise ValueError(f"demand.start(={start!r}) is not a date") from None
            self._start_index(self.start_date)  # within the data
        # bound by the runner (bind_run, bind_nodes, begin_replication)
        self._origin: int | None = None
        self._store_of_node: dict[str, int | None] = {}
        self._plan: np.ndarray | None = None
        self._horizon = 0
        self._blocks = False

    # -- what the run needs to know about the data
    @property
    def store_labels(self) -> list[str]:
        return list(self.history.stores)

    @property
    def fixed_n_skus(self) -> int:
        return len(self.history.skus)

    @property
    def exog_names(self) -> tuple[str, ...]:
        return tuple(self.history.exog)

    def _start_index(self, date: pd.Timestamp) -> int:
        dates = self.history.dates
        first, last = dates[0], dates[-1]
        if not first < date <= last:
            raise ValueError(
                f"demand.start(={date.date()}) must lie after the first and on or before the "
                f"last date of {self.path} ({first.date()} .. {last.date()})"
            )
        # the first period on or after the date (weekly periods start on their anchor day)
        return int(dates.searchsorted(date))

    def bind_run(self, horizon: int, replications: int) -> None:
        """Fix the split and the resampling for a run of ``horizon`` periods."""
        n_dates = len(self.history.dates)
        if self.start_date is None:
            if horizon >= n_dates:
                raise ValueError(
                    f"horizon(={horizon}) leaves no history before it in {self.path} "
                    f"({n_dates} periods); set a shorter horizon or demand.start"
                )
            origin = n_dates - horizon
        else:
            origin = self._start_index(self.start_date)
        mode = self.resample
        if mode == "auto":
            mode = "exact" if replications == 1 else "blocks"
        available = n_dates - origin
        if mode == "exact" and horizon > available:
            start = self.history.dates[origin].date()
            raise ValueError(
                f"horizon(={horizon}) exceeds the {available} periods of {self.path} from "
                f"demand.start(={start}) on; set horizon<={available}, an earlier "
                "demand.start, or demand.resample=blocks"
            )
        if mode == "blocks" and available < self.block:
            raise ValueError(
                f"demand.block(={self.block}) is longer than the {available} periods after "
                "demand.start to resample from"
            )
        self._origin, self._horizon, self._blocks = origin, int(horizon), mode == "blocks"
        self._plan = None

    @property
    def origin(self) -> int:
        if self._origin is None:
            raise RuntimeError("Replay: call bind_run(horizon, replications) first")
        return self._origin

    @property
    def start(self) -> pd.Timestamp:
        return self.history.dates[self.origin]

    @property
    def resampled(self) -> bool:
        return self._blocks

    def check_history(self, periods: int, key: str = "forecaster.history") -> None:
        """Refuse a history longer than the data before ``start``."""
        if periods > self.origin:
            raise ValueError(
                f"{key}(={periods}) needs more history than the {self.origin} periods of "
                f"{self.path} before demand.start(={self.start.date()}); set a later "
                f"demand.start or {key}<={self.origin}"
            )

    def bind_nodes(self, names: list[str]) -> None:
        """Pair the demand-facing nodes with the data's stores (see the module docstring)."""
        labels = self.history.stores
        if len(names) == 1:
            self._store_of_node = {names[0]: None}  # pooled
            return
        by_name = {}
        for store, label in enumerate(labels):
            by_name[label] = store
            by_name[store_node_name(label)] = store
        if all(n in by_name for n in names) and len({by_name[n] for n in names}) == len(names):
            if len(names) != len(labels):
                raise ValueError(
                    f"network: {len(names)} demand-facing nodes, but {self.path} has "
                    f"{len(labels)} stores; every store needs a node"
                )
            self._store_of_node = {n: by_name[n] for n in names}
            return
        raise ValueError(
            f"network: the demand-facing nodes {names[:3]}{' …' if len(names) > 3 else ''} "
            f"are not the stores of {self.path} ({', '.join(labels[:3])}"
            f"{' …' if len(labels) > 3 else ''}); use network.stores=auto, or name the "
            "nodes after the stores"
        )

    def pooled_note(self) -> str | None:
        """A sentence for the run's output when stores are pooled, else None."""
        if list(self._store_of_node.values()) == [None] and len(self.history.stores) > 1:
            return (
                f"demand: the {len(self.history.stores)} stores of {self.path} are pooled at "
                "one node (network=distribution gives each its own node)"
            )
        return None

    # -- DemandModel contract
    def _draw_population(self, n_skus: int, rng: np.random.Generator) -> np.ndarray:
        n_data_skus = len(self.history.skus)
        if n_skus != n_data_skus:
            raise ValueError(f"n_skus(={n_skus}) must equal the {n_data_skus} SKUs of {self.path}")
        return self._moments(None)[0]

    def _draw(
        self, rng: np.random.Generator, mult: np.ndarray | None, n_periods: int
    ) -> np.ndarray:  # pragma: no cover - sample() is overridden
        raise NotImplementedError

    def _std_at(self, level: np.ndarray) -> np.ndarray:
        return self._moments(None)[1] * level

    def setup(
        self,
        n_skus: int,
        rng: np.random.Generator,
        promotions_rng: np.random.Generator | None = None,
    ) -> None:
        """The per-SKU moments of the history before ``start`` (no draws; no modulation)."""
        self._base = self._draw_population(int(n_skus), rng)
        self._level = np.ones(int(n_skus))

    def _store_demand(self, store: int | None) -> np.ndarray:
        """Demand (T, K) of one store, or of all stores pooled (summed once, on loading)."""
        return self._pooled if store is None else self.history.demand[:, store, :]

    def _moments(self, store: int | None) -> tuple[np.ndarray, np.ndarray]:
        past = self._store_demand(store)[: self.origin]
        std = past.std(axis=0, ddof=1) if past.shape[0] > 1 else np.zeros(past.shape[1])
        return past.mean(axis=0), std

    def moments_at(self, node: Any) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self._moments(self._store_of_node.get(node.name))
        weight = node.demand_weight
        return mean * weight, std * weight

    def mean(self) -> np.ndarray:
        return self._moments(None)[0]

    def std(self, weight: float = 1.0) -> np.ndarray:
        return self._moments(None)[1] * weight

    def mean_path(self, start: int, n_periods: int) -> np.ndarray:
        return self._rows(self._store_demand(None), start, n_periods)

    def begin_replication(self, rng: np.random.Generator) -> None:
        """Draw the replication's block plan (shared by all stores and SKUs)."""
        if not self._blocks:
            self._plan = None
            return
        n_dates, origin, block = len(self.history.dates), self.origin, self.block
        positions = np.arange(origin, n_dates - block + 1)
        if self.daily:
            positions = positions[(positions - origin) % 7 == 0]
        n_blocks = -(-(self._horizon + LOOKAHEAD) // block)
        starts = rng.choice(positions, size=n_blocks)
        self._plan = (starts[:, None] + np.arange(block)[None, :]).reshape(-1)

    def _index(self, periods: np.ndarray, *, clip: bool) -> np.ndarray:
        """Data rows of simulation ``periods`` (history as it was; the future as replayed)."""
        n_dates = len(self.history.dates)
        rows = self.origin + periods
        if self._plan is not None:
            ahead = periods >= 0
            rows[ahead] = self._plan[np.minimum(periods[ahead], self._plan.size - 1)]
        if rows.size and rows.min() < 0:
            raise ValueError(
                f"demand history: period {int(periods.min())} lies before the first date of "
                f"{self.path} ({self.origin} periods before demand.start)"
            )
        if clip:
            return np.minimum(rows, n_dates - 1)
        if rows.size and rows.max() >= n_dates:
            raise ValueError(
                f"horizon: period {int(periods.max())} lies after the last date of {self.path}"
            )
        return rows

    def _rows(self, demand: np.ndarray, start: int, n_periods: int) -> np.ndarray:
        return demand[self._index(np.arange(start, start + n_periods), clip=False)]

    def sample(
        self, rng: np.random.Generator, start: int, n_periods: int, weight: float = 1.0
    ) -> np.ndarray:
        out = self._rows(self._store_demand(None), start, n_periods)
        return out * weight if weight != 1.0 else out

    def sample_at(
        self, node: Any, rng: np.random.Generator, start: int, n_periods: int
    ) -> np.ndarray:
        store = self._store_of_node.get(node.name)
        out = self._rows(self._store_demand(store), start, n_periods)
        weight = node.demand_weight
        return out * weight if weight != 1.0 else out

    def exog_table(self, names: Sequence[str], start: int, n_periods: int, node: Any) -> np.ndarray:
        """The data columns ``names`` of periods ``start .. start + n_periods - 1`` at
        ``node``: ``(n_periods, n_skus, len(names))``; pooled nodes average the stores. An
        observed column used ``lagged`` holds the previous period's value (the first period
        of the data its own)."""
        store = self._store_of_node.get(node.name) if node is not None else None
        periods = np.arange(start, start + n_periods)
        cols = []
        for name in names:
            lagged = name in self.observed and self.observed_as == "lagged"
            at = np.maximum(periods - 1, -self.origin) if lagged else periods
            values = self.history.exog[name]  # (dates, stores, SKUs)
            at_node = values.mean(axis=1) if store is None else values[:, store, :]
            cols.append(at_node[self._index(at, clip=True)])
        return np.stack(cols, axis=-1)

    def series_exog(self, names: Sequence[str]) -> np.ndarray:
        """The data columns ``names`` of every data period and (store, SKU) series,
        store-major: ``(T, n_stores * n_skus, len(names))``; observed columns used ``lagged``
        hold the previous period's value (the first period its own)."""
        n_dates, n_stores, n_skus = self.history.demand.shape
        n_series = n_stores * n_skus
        cols = []
        for name in names:
            values = self.history.exog[name]
            if name in self.observed and self.observed_as == "lagged":
                values = np.concatenate([values[:1], values[:-1]])
            cols.append(values.reshape(n_dates, n_series))
        return np.stack(cols, axis=-1) if cols else np.empty((n_dates, n_series, 0))

    def _columns(self) -> dict[str, np.ndarray]:
        mean, std = self._moments(None)
        return {"std_history": std, "sku_label": np.asarray(self.history.skus, dtype=object)}


def store_node_name(label: str) -> str:
    """The node name of store ``label``: ``store<label>`` for a number, the label otherwise."""
    return f"store{label}" if str(label).isdigit() else str(label)


def _cleaning_keys(cleaning: Any) -> dict[str, Any]:
    if cleaning is None:
        return {}
    if not isinstance(cleaning, Mapping):
        raise ValueError(f"demand.cleaning(={cleaning!r}) must be a mapping of cleaning steps")
    return dict(cleaning)


class Bakery(Replay):
    """The bakery chain shipped with Stocklab (``sim/datasets/README.md``): 35 stores, 3
    products, daily sales 2016-01-02 .. 2019-04-30, with holidays, promotions and weather.
    Perishable: bread baked for a day is sold that day or thrown away (``shelf_life: 1``).
    Rain and temperature are observed, not planned (``observed``). The keys are
    :class:`Replay`'s; ``path`` defaults to the shipped file."""

    def __init__(self, *, path: str | None = None, **keys: Any) -> None:
        keys.setdefault("shelf_life", 1)
        keys.setdefault("observed", ["rain", "temperature"])
        super().__init__(path=path or BAKERY_PATH, **keys)
