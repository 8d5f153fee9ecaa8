"""Supply disruptions: periods in which a supplier, a stocking node or a lane ships nothing.

An *outage* stops shipping for a number of whole periods. Its target is

* ``external``: every lane from the external supplier (the supplier is down),
* a node name, e.g. ``warehouse``: nothing ships *from* that node (its customers are cut
  off; it still receives, and its own customers' demand still arrives), or
* a lane ``supplier->customer``, e.g. ``external->warehouse`` or ``warehouse->store3``:
  nothing ships on that lane alone.

Outages are drawn for the whole run before it starts, from their own named random streams,
so rival policies replayed on the same seed and replication meet the same outages (common
random numbers) whatever they order. The engine consumes the resulting
:class:`DisruptionPlan`; it holds node and lane outages apart and combines them itself.

Random outages (``probability`` p, ``duration`` D) follow a renewal process: go through the
periods t = 0, 1, ...; if t is not covered by an earlier random outage of the same source,
an outage starts at t with probability p and covers t, ..., t + D - 1, with D drawn afresh.
Up spells therefore last Geometric(p) - 1 periods (mean (1 - p) / p; an outage may start in
the very period after one ends), and by the renewal-reward theorem (Ross 1996, Stochastic
Processes, Thm 3.6.1) the long-run fraction of periods down is

    p E[D] / (p E[D] + 1 - p)                                    (stationary_down_fraction)

With geometric durations (mean m) the down/up indicator is itself a two-state Markov chain:
up -> down with probability p, down -> up with probability (1 - p) / m.

Scheduled outages (``periods``) start in the listed periods and last ``duration`` (drawn
when it is a distribution). They are laid over the random ones (a union): a schedule never
moves the random outages, which keep running their own chain underneath.

Durations (choose by the form of ``duration``): an integer (fixed), ``{values,
probabilities}`` (discrete) or ``{geometric_mean: m}``, P(D = d) = (1/m)(1 - 1/m)^(d-1).

Drawing. Outage ``i`` of the list draws from stream ``f"disruption/{i}/{target}"`` and
replication, so adding an outage leaves the others as they were. Each period t owns one row
of ``rng.random((horizon, 2))``: column 0 decides whether an outage starts at t, column 1
(by inversion) how long it lasts. The plan of the first T periods therefore does not depend
on the horizon beyond T.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim import params

if TYPE_CHECKING:
    from sim.rng import Streams

__all__ = [
    "Outage",
    "Disruptions",
    "DisruptionPlan",
    "Duration",
    "FixedDuration",
    "DiscreteDuration",
    "GeometricDuration",
    "EXTERNAL",
    "chain_starts",
    "covered",
    "stationary_down_fraction",
]

#: The target naming the external supplier (as supplier of a lane, or on its own).
EXTERNAL = "external"
#: Separator of a lane target, ``supplier->customer``.
ARROW = "->"
#: Tolerance on the sum of discrete duration probabilities.
PROBABILITY_TOLERANCE = 1e-9
#: Where an Outage built on its own reports its errors.
SECTION = "disruption.outage"


# --------------------------------------------------------------------------- validation


def _show(value: Any) -> str:
    if _is_real(value):
        return params.show(float(value))
    return repr(value)


def _is_real(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def _is_integer(value: Any) -> bool:
    return _is_real(value) and np.isfinite(value) and float(value).is_integer()


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence | np.ndarray) and not isinstance(value, str | bytes)


def _fail(where: str, value: Any, rule: str) -> ValueError:
    return ValueError(f"{where}(={_show(value)}) must be {rule}")


def _integer_at_least(where: str, value: Any, low: int) -> int:
    if not _is_integer(value) or value < low:
        raise _fail(where, value, f"an integer >= {low}")
    return int(value)


def _real_in(where: str, value: Any, low: float, high: float) -> float:
    if not _is_real(value) or not low <= float(value) <= high:
        raise _fail(where, value, f"in [{params.show(low)}, {params.show(high)}]")
    return float(value)


def _list(where: str, value: Any) -> list[Any]:
    if not _is_list(value):
        raise _fail(where, value, "a list")
    return list(value)


# --------------------------------------------------------------------------- durations


class Duration(ABC):
    """How many periods an outage lasts (an integer >= 1)."""

    @abstractmethod
    def mean(self) -> float:
        """E[D] in periods."""

    @abstractmethod
    def sample(self, u: np.ndarray, cap: int) -> np.ndarray:
        """Durations (int64, in [1, max(cap, 1)]) by inversion of uniforms ``u`` in [0, 1);
        a draw longer than ``cap`` is cut to ``cap`` (no outage outlasts the run)."""


class FixedDuration(Duration):
    """Every outage lasts ``value`` periods."""

    def __init__(self, value: int, where: str = f"{SECTION}.duration") -> None:
        self.value = _integer_at_least(where, value, 1)

    def mean(self) -> float:
        return float(self.value)

    def sample(self, u: np.ndarray, cap: int) -> np.ndarray:
        return np.full(np.shape(u), max(min(self.value, cap), 1), dtype=np.int64)

    def __repr__(self) -> str:
        return f"FixedDuration({self.value})"


class DiscreteDuration(Duration):
    """``values`` (integers >= 1) taken with ``probabilities`` (summing to 1)."""

    def __init__(
        self,
        values: Sequence[int],
        probabilities: Sequence[float],
        where: str = f"{SECTION}.duration",
    ) -> None:
        vals = _list(f"{where}.values", values)
        probs = _list(f"{where}.probabilities", probabilities)
        if not vals:
            raise ValueError(f"{where}.values(=[]) must not be empty")
        if len(vals) != len(probs):
            raise ValueError(
                f"{where}.values has {len(vals)} entries but {where}.probabilities has {len(probs)}"
            )
        self.values = np.array(
            [_integer_at_least(f"{where}.values[{k}]", v, 1) for k, v in enumerate(vals)],
            dtype=np.int64,
        )
        self.probabilities = np.array(
            [_real_in(f"{where}.probabilities[{k}]", p, 0, 1) for k, p in enumerate(probs)]
        )
        total = float(self.probabilities.sum())
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise ValueError(
                f"{where}.probabilities(={self.probabilities.tolist()}) "
                f"must sum to 1, got {total!r}"
            )
        self._cumulative = np.cumsum(self.probabilities)

    def mean(self) -> float:
        return float(self.values @ self.probabilities)

    def sample(self, u: np.ndarray, cap: int) -> np.ndarray:
        # Inversion; the clip keeps u >= (a sum just below 1) on the last value.
        index = np.searchsorted(self._cumulative, u, side="right")
        np.minimum(index, self.values.shape[0] - 1, out=index)
        return np.clip(self.values[index], 1, max(cap, 1))

    def __repr__(self) -> str:
        return f"DiscreteDuration({self.values.tolist()}, {self.probabilities.tolist()})"


class GeometricDuration(Duration):
    """Geometric on {1, 2, ...} with mean ``m`` >= 1: P(D = d) = (1/m)(1 - 1/m)^(d-1).

    Memoryless: an outage that has lasted any number of periods ends in the next with
    probability 1/m. Sampled by inversion, D = 1 + floor(log(1 - u) / log(1 - 1/m)).
    """

    def __init__(self, geometric_mean: float, where: str = f"{SECTION}.duration") -> None:
        key = f"{where}.geometric_mean"
        if not _is_real(geometric_mean) or not (1 <= float(geometric_mean) < np.inf):
            raise _fail(key, geometric_mean, "a number >= 1")
        self.geometric_mean = float(geometric_mean)

    def mean(self) -> float:
        return self.geometric_mean

    def sample(self, u: np.ndarray, cap: int) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        top = max(cap, 1)
        if self.geometric_mean == 1:
            return np.ones(u.shape, dtype=np.int64)
        d = 1.0 + np.floor(np.log1p(-u) / np.log1p(-1.0 / self.geometric_mean))
        return np.minimum(d, top).astype(np.int64)

    def __repr__(self) -> str:
        return f"GeometricDuration({params.show(self.geometric_mean)})"


def _duration(where: str, value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    rule = "an integer >= 1, {values: [...], probabilities: [...]} or {geometric_mean: m}"
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"values", "probabilities"}:
            return DiscreteDuration(value["values"], value["probabilities"], where)
        if keys == {"geometric_mean"}:
            return GeometricDuration(value["geometric_mean"], where)
        raise ValueError(f"{where}(={dict(value)!r}) must be {rule}")
    if not _is_integer(value) or value < 1:
        raise _fail(where, value, rule)
    return FixedDuration(value, where)


# --------------------------------------------------------------------------- kernels


def stationary_down_fraction(probability: float, mean_duration: float) -> float:
    """Long-run fraction of periods down for random outages: p E[D] / (p E[D] + 1 - p)
    (renewal-reward; see the module docstring)."""
    busy = probability * mean_duration
    return busy / (busy + 1.0 - probability) if busy > 0 else 0.0


def chain_starts(candidates: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Start periods of the renewal process: ``t`` starts an outage when ``candidates[t]``
    and no earlier start's outage (lasting ``durations[start]``) covers ``t``."""
    starts: list[int] = []
    free_from = 0  # first period not covered by the outages started so far
    for t in np.flatnonzero(candidates).tolist():
        if t >= free_from:
            starts.append(t)
            free_from = t + int(durations[t])
    return np.asarray(starts, dtype=np.int64)


def covered(starts: np.ndarray, durations: np.ndarray, horizon: int) -> np.ndarray:
    """``(horizon,)`` bool: periods covered by outages ``starts[k] .. starts[k] +
    durations[k] - 1`` (clipped to the horizon; overlaps are a union)."""
    starts = np.asarray(starts, dtype=np.int64)
    inside = starts < horizon
    starts = starts[inside]
    ends = np.minimum(starts + np.asarray(durations, dtype=np.int64)[inside], horizon)
    change = np.zeros(horizon + 1, dtype=np.int64)
    np.add.at(change, starts, 1)
    np.add.at(change, ends, -1)
    return np.cumsum(change[:horizon]) > 0


# --------------------------------------------------------------------------- outages


class Outage:
    """One source of outages (see the module docstring). Keyword-only, the YAML keys:

    ``target``: ``external``, a node name, or a lane ``supplier->customer``;
    ``probability``: chance that a random outage starts in a period it does not already
    cover, in [0, 1]; ``duration``: periods an outage lasts, an integer >= 1, ``{values,
    probabilities}`` or ``{geometric_mean: m}``; ``periods``: scheduled start periods
    (integers >= 0), laid over the random outages. An outage with probability 0 and no
    periods never happens (kept valid so a sweep can start from 0).
    """

    KEYS: ClassVar[tuple[str, ...]] = ("target", "probability", "duration", "periods")

    def __init__(
        self,
        *,
        target: str,
        probability: float = 0.0,
        duration: int | Mapping[str, Any] | Duration = 1,
        periods: Sequence[int] | None = None,
    ) -> None:
        self._init(SECTION, target, probability, duration, periods)

    @classmethod
    def from_config(cls, where: str, value: Any) -> Outage:
        """An Outage from its YAML mapping, errors reported at ``where``
        (e.g. ``disruption.outages[2]``)."""
        if isinstance(value, Outage):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}(={value!r}) must be a mapping with keys {list(cls.KEYS)}")
        unknown = sorted(set(value) - set(cls.KEYS), key=str)
        if unknown:
            raise ValueError(f"{where} has unknown key(s) {unknown}; expected {list(cls.KEYS)}")
        if "target" not in value:
            raise ValueError(f"{where}.target is required: 'external', a node or 'a->b'")
        outage = cls.__new__(cls)
        outage._init(
            where,
            value["target"],
            value.get("probability", 0.0),
            value.get("duration", 1),
            value.get("periods"),
        )
        return outage

    def _init(self, where: str, target: Any, probability: Any, duration: Any, periods: Any) -> None:
        self.target = _target(f"{where}.target", target)
        self.probability = _real_in(f"{where}.probability", probability, 0, 1)
        self.duration = _duration(f"{where}.duration", duration)
        starts = _list(f"{where}.periods", [] if periods is None else periods)
        self.periods = np.unique(
            np.array(
                [_integer_at_least(f"{where}.periods[{k}]", s, 0) for k, s in enumerate(starts)],
                dtype=np.int64,
            )
        )

    def mean_duration(self) -> float:
        return self.duration.mean()

    def down(self, horizon: int, rng: np.random.Generator) -> np.ndarray:
        """``(horizon,)`` bool: the periods this source is down, drawn from ``rng``."""
        u = rng.random((horizon, 2))
        durations = self.duration.sample(u[:, 1], horizon)
        random = chain_starts(u[:, 0] < self.probability, durations)
        scheduled = self.periods[self.periods < horizon]
        return covered(random, durations[random], horizon) | covered(
            scheduled, durations[scheduled], horizon
        )

    def __repr__(self) -> str:
        return (
            f"Outage(target={self.target!r}, probability={params.show(self.probability)}, "
            f"duration={self.duration!r}, periods={self.periods.tolist()})"
        )


def _target(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, value, "'external', a node name or a lane 'supplier->customer'")
    if ARROW not in value:
        return value.strip()
    supplier, _, customer = (part.strip() for part in value.partition(ARROW))
    if not supplier or not customer or ARROW in customer or customer == EXTERNAL:
        raise _fail(where, value, "a lane 'supplier->customer' (supplier may be 'external')")
    return f"{supplier}{ARROW}{customer}"


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class DisruptionPlan:
    """Which nodes and lanes ship nothing in which period of one replication.

    ``node_down[t, j]``: nothing ships from node ``j`` in period ``t`` (engine node order);
    ``edge_down[t, e]``: nothing ships on edge ``e`` (engine edge order). A node outage is
    *not* copied onto its outgoing edges; the engine combines the two. Read-only arrays.
    """

    node_down: np.ndarray
    edge_down: np.ndarray

    def __post_init__(self) -> None:
        for name in ("node_down", "edge_down"):
            arr = np.array(getattr(self, name), dtype=bool)  # a copy, then frozen
            if arr.ndim != 2:
                raise ValueError(f"DisruptionPlan {name} must be 2-D (horizon, n), got {arr.shape}")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.node_down.shape[0] != self.edge_down.shape[0]:
            raise ValueError(
                f"DisruptionPlan node_down has {self.node_down.shape[0]} periods but "
                f"edge_down has {self.edge_down.shape[0]}"
            )

    @property
    def horizon(self) -> int:
        return int(self.node_down.shape[0])

    @property
    def any(self) -> bool:
        """Whether anything is down in any period."""
        return bool(self.node_down.any() or self.edge_down.any())


class Disruptions:
    """The ``disruption`` config group: ``Disruptions(outages=[{target: ..., ...}, ...])``.

    Mappings are turned into :class:`Outage` (errors name ``disruption.outages[i].key``);
    Outage objects are taken as they are. ``plan(...)`` draws one replication's plan.
    """

    def __init__(self, *, outages: Sequence[Mapping[str, Any] | Outage]) -> None:
        if isinstance(outages, Mapping) or not _is_list(outages):
            raise ValueError(
                f"disruption.outages(={outages!r}) must be a list of outages "
                "({target, probability, duration, periods})"
            )
        self.outages = [
            Outage.from_config(f"disruption.outages[{i}]", outage)
            for i, outage in enumerate(outages)
        ]

    def plan(
        self,
        nodes: Sequence[str],
        edges: Sequence[tuple[str | None, str]],
        horizon: int,
        streams: Streams,
        replication: int | None,
    ) -> DisruptionPlan:
        """The outages of replication ``replication`` over periods ``0 .. horizon - 1``.

        ``nodes``: node names in the engine's order; ``edges``: ``(supplier, customer)``
        names in the engine's edge order, supplier ``None`` for the external supplier.
        """
        horizon = _integer_at_least("disruption horizon", horizon, 0)
        nodes = [str(n) for n in nodes]
        lanes = [_lane(supplier, customer) for supplier, customer in edges]
        columns = [
            _columns(f"disruption.outages[{i}].target", o.target, nodes, lanes)
            for i, o in enumerate(self.outages)
        ]  # every target checked before anything is drawn
        node_down = np.zeros((horizon, len(nodes)), dtype=bool)
        edge_down = np.zeros((horizon, len(lanes)), dtype=bool)
        for i, (outage, (node_cols, edge_cols)) in enumerate(
            zip(self.outages, columns, strict=True)
        ):
            down = outage.down(horizon, streams.get(f"disruption/{i}/{outage.target}", replication))
            node_down[:, node_cols] |= down[:, None]
            edge_down[:, edge_cols] |= down[:, None]
        return DisruptionPlan(node_down=node_down, edge_down=edge_down)

    def __repr__(self) -> str:
        return f"Disruptions(outages={self.outages!r})"


def _lane(supplier: str | None, customer: str) -> str:
    return f"{EXTERNAL if supplier is None else supplier}{ARROW}{customer}"


def _columns(
    where: str, target: str, nodes: list[str], lanes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(node columns, edge columns) that ``target`` takes down."""
    none = np.zeros(0, dtype=np.int64)
    if target == EXTERNAL:
        prefix = f"{EXTERNAL}{ARROW}"
        return none, np.array(
            [e for e, lane in enumerate(lanes) if lane.startswith(prefix)], dtype=np.int64
        )
    if ARROW in target:
        hits = [e for e, lane in enumerate(lanes) if lane == target]
        if hits:
            return none, np.array(hits, dtype=np.int64)
    elif target in nodes:
        return np.array([nodes.index(target)], dtype=np.int64), none
    raise ValueError(
        f"{where}(={target!r}) names no node or edge of this network; nodes: {nodes}, "
        f"edges: {lanes}"
    )
