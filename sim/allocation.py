"""Allocation: how a supplier shares its stock when it cannot ship all that its customers
are owed.

A rule is a class, as a queue discipline is in SimPy (``resources/base.py``): the engine
asks each internal supplier's *queue* what to ship, and the queue's class is the rule.
Every rule is vectorised over SKUs; ``owed`` and shipments are ``(customers, n_skus)``.

``Fifo`` (``fifo``)
    Orders are served by the period in which they were placed, oldest first; within one
    period the units go in random order (virtual allocation: Graves 1985, Axsäter 1990),
    drawn from the supplier's own named stream ``allocation/<node>``. With whole units the
    split of a partly served period is multivariate hypergeometric (drawn customer by
    customer); with fractional amounts it is proportional to what each customer ordered in
    that period.
``Proportional`` (``proportional``)
    Fair share: each customer gets stock in proportion to what it is owed in all. With
    whole units each share is rounded down or up at random, up with probability equal to
    its fractional part, by systematic sampling (one uniform per SKU from the supplier's
    stream): the expected shares are exactly proportional and the total is the stock.
``Priority`` (``priority``)
    Customers in a listed ``order`` (node names; default: as the network lists them), each
    served in full before the next gets anything.

Adding a rule (e.g. a balanced / equal-fractile rule): subclass :class:`Allocation`,
implement :meth:`Allocation.share` (stock and what each customer is owed in, shipments
out; never more than owed, never more than the stock, never negative; the supplier's
random stream for rules that draw) and, if the rule
needs to know when orders were placed, a :class:`Queue` of its own returned by
:meth:`Allocation.queue`, as :class:`Fifo` does. Select it with ``_target_`` in
``network.allocation``; add it to :data:`RULES` to give it a short name.

With one customer every rule ships ``min(owed, stock)``; the engine then skips the rule.
An edge capacity (units per SKU and period) caps each customer's shipment after the rule
has shared the stock; what a cap holds back stays with the supplier for the next period.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

__all__ = ["Allocation", "Queue", "Fifo", "Proportional", "Priority", "RULES"]


def _integral(*arrays: np.ndarray) -> bool:
    return all(np.array_equal(a, np.floor(a)) for a in arrays)


def unbiased_round(raw: np.ndarray, total: np.ndarray, rng) -> np.ndarray:
    """Whole-unit shares (customers x SKUs) of ``total`` units per SKU, each share ``raw``
    rounded down or up, up with probability equal to its fractional part: systematic
    sampling, one uniform per SKU, so the shares always add up to ``total`` and each one's
    expectation is ``raw`` (Madow 1949)."""
    base = np.floor(raw)
    cum = np.cumsum(raw - base, axis=0)  # running sum of the fractional parts
    left = total - base.sum(axis=0)  # units still to give: the sum of the fractions
    with np.errstate(invalid="ignore", divide="ignore"):
        cum *= np.where(cum[-1] > 0, left / cum[-1], 0.0)[None, :]  # exact, despite rounding
    u = rng.random(raw.shape[1])[None, :]
    points = np.ceil(cum - u)  # points u, u+1, ... at or below each running sum
    extra = np.diff(points, axis=0, prepend=0.0)
    return base + np.clip(extra, 0.0, 1.0)


class Queue:
    """What one supplier owes its customers, and how its stock is shared among them.

    ``owed`` is ``(customers, n_skus)``. The engine calls :meth:`add` with each period's
    new orders, :meth:`propose` with the stock on hand, and :meth:`remove` with what
    actually shipped (a proposal may be cut by capacities, outages or incomplete kits).
    """

    def __init__(self, rule: Allocation, n_customers: int, n_skus: int, rng):
        self.rule = rule
        self.owed = np.zeros((n_customers, n_skus))
        self.rng = rng
        self.ranked: np.ndarray | None = None  # customers in the order a rule ranks them

    def add(self, orders: np.ndarray) -> None:
        self.owed += orders

    def propose(self, stock: np.ndarray) -> np.ndarray:
        owed = self.owed
        total = owed.sum(axis=0)
        if np.all(total <= stock):
            return owed.copy()
        ranked = self.ranked
        if ranked is None:
            return self.rule.share(np.minimum(stock, total), owed, total, self.rng)
        out = np.empty_like(owed)
        out[ranked] = self.rule.share(np.minimum(stock, total), owed[ranked], total, self.rng)
        return out

    def remove(self, shipped: np.ndarray) -> None:
        self.owed -= shipped


class FifoQueue(Queue):
    """Owed units kept in cohorts by the period their orders were placed, oldest first.

    Invariant: the cohorts add up to ``owed``. Only the SKUs a supplier cannot serve in
    full need the walk through the cohorts; the others ship everything they owe.
    """

    def __init__(self, rule: Allocation, n_customers: int, n_skus: int, rng):
        super().__init__(rule, n_customers, n_skus, rng)
        self.cohorts: list[np.ndarray] = []

    def add(self, orders: np.ndarray) -> None:
        self.owed += orders
        if orders.any():
            self.cohorts.append(orders.copy())

    def propose(self, stock: np.ndarray) -> np.ndarray:
        owed = self.owed
        total = owed.sum(axis=0)
        short = np.flatnonzero(total > stock)
        ship = owed.copy()
        if short.size == 0:
            return ship
        left = stock[short].copy()
        part_ship = np.zeros((owed.shape[0], short.size))
        for cohort in self.cohorts:
            sub = cohort[:, short]
            size = sub.sum(axis=0)
            full = size <= left
            part_ship += sub * full[None, :]
            left = np.where(full, left - size, left)
            part = np.flatnonzero(~full & (left > 0))
            if part.size:
                part_ship[:, part] += random_split(sub[:, part], left[part], self.rng)
                left[part] = 0.0
            if not np.any(left > 0):
                break
        ship[:, short] = part_ship
        return ship

    def remove(self, shipped: np.ndarray) -> None:
        self.owed -= shipped
        live = self.owed.any(axis=0)  # SKUs with something still owed
        if not live.any():
            self.cohorts.clear()
            return
        idx = np.flatnonzero(live)
        left = shipped[:, idx]
        kept = []
        for cohort in self.cohorts:
            sub = cohort[:, idx]
            take = np.minimum(sub, left)
            sub -= take
            left = left - take
            if sub.any():
                cohort.fill(0.0)
                cohort[:, idx] = sub
                kept.append(cohort)
        self.cohorts = kept


def random_split(amounts: np.ndarray, stock: np.ndarray, rng) -> np.ndarray:
    """Share ``stock`` (per SKU, less than the column sums) of ``amounts`` (customers x SKUs)
    as if the units were served in random order: multivariate hypergeometric with whole
    units, proportional otherwise.

    The draw halves the customers recursively: the units served to the first half are
    hypergeometric, and given them each half splits its share the same way. Every level of
    the recursion is one vectorised draw over all groups and SKUs, ``ceil(log2(customers))``
    draws in all, and the result has exactly the multivariate hypergeometric law.
    """
    if not _integral(amounts, stock):
        return amounts * (stock / amounts.sum(axis=0))[None, :]
    n_customers, m = amounts.shape
    width = 1 << max(n_customers - 1, 0).bit_length()  # a power of two >= customers
    counts = np.zeros((width, m), dtype=np.int64)
    counts[:n_customers] = amounts
    sample = stock.astype(np.int64)[None, :]  # per group of customers
    group = width
    while group > 1:
        halves = counts.reshape(width // group, 2, group // 2, m).sum(axis=2)
        first = rng.hypergeometric(halves[:, 0], halves[:, 1], sample)
        split = np.empty((2 * first.shape[0], m), dtype=np.int64)
        split[0::2] = first
        split[1::2] = sample - first
        sample = split
        group //= 2
    return sample[:n_customers].astype(np.float64)


class Allocation(ABC):
    """Base class of allocation rules; see the module docstring for how to add one."""

    name: ClassVar[str] = ""

    def check(self, node_names: Sequence[str]) -> None:
        """Validate the rule's parameters against the network's node names."""
        return None

    def queue(self, customers: Sequence[str], n_skus: int, rng) -> Queue:
        """A fresh queue for a supplier with these customers (``rng``: its named stream)."""
        return Queue(self, len(customers), n_skus, rng)

    @abstractmethod
    def share(self, stock: np.ndarray, owed: np.ndarray, total: np.ndarray, rng) -> np.ndarray:
        """Shipments ``(customers, n_skus)`` of ``stock`` (per SKU, ``<= total``) to
        customers owed ``owed`` in all (``total`` is its column sum)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Fifo(Allocation):
    name = "fifo"

    def queue(self, customers: Sequence[str], n_skus: int, rng) -> Queue:
        return FifoQueue(self, len(customers), n_skus, rng)

    def share(self, stock: np.ndarray, owed: np.ndarray, total: np.ndarray, rng) -> np.ndarray:
        raise TypeError("Fifo shares stock by order period: use its queue")  # pragma: no cover


class Proportional(Allocation):
    name = "proportional"

    def share(self, stock: np.ndarray, owed: np.ndarray, total: np.ndarray, rng) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(total > 0, stock / total, 0.0)
        raw = owed * ratio[None, :]
        if _integral(owed, stock):
            return np.minimum(unbiased_round(raw, stock, rng), owed)
        return raw


class Priority(Allocation):
    """Customers served in ``order`` (node names); customers not listed come after, as
    the network lists them."""

    name = "priority"

    def __init__(self, *, order: Sequence[str] | None = None):
        if order is not None and (isinstance(order, str) or not isinstance(order, Sequence)):
            raise ValueError(f"network.allocation.order(={order!r}) must be a list of node names")
        self.order = None if order is None else [str(x) for x in order]

    def check(self, node_names: Sequence[str]) -> None:
        for name in self.order or []:
            if name not in node_names:
                raise ValueError(
                    f"network.allocation.order: {name!r} names no node; nodes: "
                    f"{', '.join(node_names)}"
                )

    def queue(self, customers: Sequence[str], n_skus: int, rng) -> Queue:
        listed = self.order or []

        def rank(c: int) -> tuple[int, int]:
            name = customers[c]
            return (listed.index(name) if name in listed else len(listed), c)

        q = Queue(self, len(customers), n_skus, rng)
        q.ranked = np.array(sorted(range(len(customers)), key=rank), dtype=np.int64)
        return q

    def share(self, stock: np.ndarray, owed: np.ndarray, total: np.ndarray, rng) -> np.ndarray:
        # ``owed`` arrives in priority order (see Queue.propose)
        before = np.cumsum(owed, axis=0) - owed
        return np.clip(stock[None, :] - before, 0.0, owed)

    def __repr__(self) -> str:
        return f"Priority(order={self.order!r})"


RULES: dict[str, type[Allocation]] = {
    "fifo": Fifo,
    "proportional": Proportional,
    "priority": Priority,
}
