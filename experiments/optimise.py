"""``python -m experiments.optimise <problem> key=value …``: a textbook optimum and its cost,
for the models no simulation policy uses (``policies/optimal/``).

Problems and their keys (lists as ``[a,b,c]``; every key is the optimiser's argument):

``all_units``, ``incremental``
    EOQ with all-units or incremental quantity discounts (Snyder & Shen, Ex. 3.6, 3.7):
    ``order_fixed``, ``demand_rate``, ``breakpoints``, ``unit_costs`` and one of
    ``holding_rate`` (a fraction of the unit price) or ``holding``.
``epq``
    Economic production quantity: ``order_fixed``, ``holding``, ``demand_rate``,
    ``production_rate``, optional ``backorder``.
``jrp``
    Joint replenishment: ``major_setup``, ``minor_setup``, ``holding``, ``demand_rate``
    (one per item), ``method=silver|power_of_two`` (default silver), ``base_period``
    (power of two only).
``finite_horizon``
    Finite-horizon dynamic programme for one stage (Scarf 1960): ``demand=poisson|normal``,
    ``mean`` (one number, or one per period), ``std`` (normal), ``periods`` (when ``mean``
    is one number), ``holding``, ``shortage``, ``purchase_cost``, ``fixed_cost``,
    ``discount``, ``terminal_holding``, ``terminal_shortage``, ``lost_sales``.
``distribution``
    One warehouse feeding stores, Poisson demand, installation base-stock levels: the
    optimum under the exact cost (Graves 1985) or METRIC (Sherbrooke 1968):
    ``store_rates``, ``warehouse_lead_time``, ``store_lead_times``, ``warehouse_holding``,
    ``store_holding``, ``store_backorder``, ``method=exact|search|metric`` (``search``: the
    fast search ``policy=base_stock`` uses on ``network=distribution``, the same optimum).

Bad input ends with one line naming the key and the value (exit status 2).
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import yaml

from policies.optimal import distribution_exact, eoq_family, finite_horizon, newsvendor_family

__all__ = ["PROBLEMS", "solve", "main"]


def _finite_horizon(
    *,
    demand: str = "poisson",
    mean: Any,
    std: Any = None,
    periods: int | None = None,
    **costs: Any,
) -> finite_horizon.FiniteHorizonSolution:
    means = np.atleast_1d(np.asarray(mean, dtype=float))
    if means.size == 1 and periods is not None:
        means = np.repeat(means, int(periods))
    elif periods is not None and int(periods) != means.size:
        raise ValueError(f"periods(={periods}) must match the {means.size} means given")
    if demand == "poisson":
        tables = [newsvendor_family.poisson_demand(float(m)) for m in means]
    elif demand == "normal":
        if std is None:
            raise ValueError("std(=None) is required with demand=normal")
        stds = np.broadcast_to(np.asarray(std, dtype=float), means.shape)
        tables = [
            newsvendor_family.normal_demand(float(m), float(s))
            for m, s in zip(means, stds, strict=True)
        ]
    else:
        raise ValueError(f"demand(={demand!r}) must be poisson or normal")
    return finite_horizon.finite_horizon_dp(tables, **costs)


_FH_KEYS = (
    "demand",
    "mean",
    "std",
    "periods",
    "holding",
    "shortage",
    "purchase_cost",
    "fixed_cost",
    "discount",
    "terminal_holding",
    "terminal_shortage",
    "lost_sales",
)


def _jrp(*, method: str = "silver", base_period: float | None = None, **keys: Any) -> Any:
    if method == "silver":
        if base_period is not None:
            raise ValueError("base_period is a key of method=power_of_two only")
        return eoq_family.jrp_silver(**keys)
    if method == "power_of_two":
        return eoq_family.jrp_power_of_two(**keys, base_period=base_period)
    raise ValueError(f"method(={method!r}) must be silver or power_of_two")


def _distribution(*, method: str = "exact", **keys: Any) -> Any:
    if method == "exact":
        return distribution_exact.distribution_optimal_exact(**keys)
    if method == "search":
        return distribution_exact.distribution_search_exact(**keys)
    if method == "metric":
        return distribution_exact.distribution_optimal_metric(**keys)
    raise ValueError(f"method(={method!r}) must be exact, search or metric")


def _keys(fn: Callable[..., Any], *extra: str) -> tuple[str, ...]:
    params = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in params if p.kind != p.VAR_KEYWORD) + extra


#: problem -> (solver, its keys)
PROBLEMS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "all_units": (eoq_family.all_units_discount_eoq, _keys(eoq_family.all_units_discount_eoq)),
    "incremental": (
        eoq_family.incremental_discount_eoq,
        _keys(eoq_family.incremental_discount_eoq),
    ),
    "epq": (eoq_family.epq, _keys(eoq_family.epq)),
    "jrp": (_jrp, ("method", "base_period", *_keys(eoq_family.jrp_silver))),
    "finite_horizon": (_finite_horizon, _FH_KEYS),
    "distribution": (
        _distribution,
        ("method", *_keys(distribution_exact.distribution_optimal_exact)),
    ),
}


def _parse(args: list[str], keys: tuple[str, ...], problem: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for arg in args:
        key, sep, text = arg.partition("=")
        if not sep or not key:
            raise ValueError(f"{arg!r} is not key=value (keys of {problem}: {', '.join(keys)})")
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"keys: {', '.join(keys)}"
            raise ValueError(f"unknown key {key!r} for {problem} ({hint})")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise ValueError(f"{key}(={text!r}) is not a number, list or word") from None
        values[key] = value
    return values


def solve(problem: str, args: list[str]) -> Any:
    """The solution of ``problem`` for ``key=value`` arguments; ValueError on bad input."""
    if problem not in PROBLEMS:
        close = difflib.get_close_matches(problem, PROBLEMS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"problem(={problem!r}) must be one of {', '.join(PROBLEMS)}{hint}")
    solver, keys = PROBLEMS[problem]
    values = _parse(args, keys, problem)
    try:
        return solver(**values)
    except TypeError as exc:
        message = str(exc)
        if "required" in message and "argument" in message:
            missing = message.split(":")[-1].strip()
            raise ValueError(f"{problem} needs {missing} (keys: {', '.join(keys)})") from None
        raise ValueError(f"{problem}: {message}") from None


def _show(value: Any) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        v = arr.item()
        return f"{v:.6g}" if isinstance(v, float) else str(v)
    if arr.ndim == 1 and arr.size <= 12:
        return "[" + ", ".join(_show(v) for v in arr) + "]"
    return f"array of shape {arr.shape}"


def describe(solution: Any) -> str:
    """One line per field of a solution dataclass."""
    fields = dataclasses.fields(solution)
    width = max(len(f.name) for f in fields)
    return "\n".join(f"{f.name.ljust(width)}  {_show(getattr(solution, f.name))}" for f in fields)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    try:
        solution = solve(argv[0], argv[1:])
    except ValueError as exc:
        print(f"stocklab: error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"{argv[0]}: {type(solution).__name__}")
    print(describe(solution))
    if isinstance(solution, finite_horizon.FiniteHorizonSolution):
        print(f"expected cost over the horizon from level 0: {solution.expected_cost(0):.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
