"""Strict checks of a composed configuration, before any object is built or memory is taken.

:func:`check_config` is the schema of the top level: every key must be a setting of
``conf/config.yaml`` or a config group of its defaults list (``+polcy=eoq`` is refused,
with the closest known key suggested), the sections ``costs``, ``objective``, ``backtest``
and the forecaster harness (``forecaster.*`` when no forecaster is chosen) accept their own
keys only, no number anywhere in the configuration may be NaN or infinite, and the run
settings have their types (integers, booleans). The keys of a plug-in section
(``policy.*``, ``demand.*``, ``network.*``, a forecaster's model keys) are its class's
keyword-only constructor parameters (:func:`plugin_keys`), checked when it is built.

:func:`check_size` refuses a run whose arrays would not fit in memory, from the estimate of
:func:`estimate_bytes` and the limit of the top-level key ``memory_limit``.

:func:`check_forecast_use` refuses a forecaster beside a policy that uses no forecasts
(``needs_forecast`` of the policy class): its forecasts would only add forecast KPIs to a
policy they do not drive.

Every refusal is a :class:`experiments.run.ConfigError` with a one-line message that names
the key, its value and what was expected.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import importlib
import inspect
import math
import os
import sys
import typing
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.run import HARNESS_KEYS, ConfigError
from sim.checks import is_int
from sim.network import Costs

__all__ = [
    "ConfigError",
    "check_config",
    "check_forecast_use",
    "forecast_policies",
    "check_size",
    "estimate_bytes",
    "memory_limit_bytes",
    "available_bytes",
    "plugin_keys",
    "unknown_key",
]

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"

#: Integer run settings and their least value.
INTEGER_KEYS = {
    "horizon": 1,
    "warmup": 0,
    "replications": 1,
    "seed": 0,
    "n_skus": 1,
    "trace_skus": 0,
}
#: Boolean run settings.
BOOLEAN_KEYS = ("progress", "resume", "overwrite")
#: Share of the available memory that ``memory_limit: auto`` allows a run.
AUTO_SHARE = 0.8
GiB = 1024**3

# --------------------------------------------------------------------------- the schema


@functools.cache
def _defaults() -> DictConfig:
    return OmegaConf.load(CONF_DIR / "config.yaml")


@functools.cache
def top_level_keys() -> tuple[str, ...]:
    """The settings of ``conf/config.yaml``, its config groups and ``hydra``."""
    cfg = _defaults()
    groups = []
    for entry in cfg.get("defaults", []):
        if isinstance(entry, DictConfig | dict):
            groups.extend(str(k).split("@")[0].split("/")[-1] for k in entry)
    keys = [k for k in cfg if k != "defaults"]
    return tuple(dict.fromkeys([*keys, *groups, "hydra"]))


@functools.cache
def section_keys() -> dict[str, tuple[str, ...]]:
    """Sections whose keys are fixed by Stocklab itself (not by a plug-in class)."""
    cfg = _defaults()
    return {
        "costs": tuple(f.name for f in dataclasses.fields(Costs)),
        "objective": tuple(cfg.objective),
        "backtest": tuple(cfg.backtest),
    }


def unknown_key(key: str, value: Any, known: typing.Iterable[str], prefix: str = "") -> str:
    """``unknown key 'polcy'=eoq (did you mean 'policy'?)``, or the known keys when none is
    close."""
    known = [str(k) for k in known]
    shown = f"{prefix}{key}"
    value_text = "" if value is _MISSING else f"={_short(value)}"
    close = difflib.get_close_matches(str(key), known, n=1)
    if close:
        return f"unknown key {shown!r}{value_text} (did you mean {prefix + close[0]!r}?)"
    return f"unknown key {shown!r}{value_text} (known keys: {', '.join(known)})"


_MISSING = object()


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, DictConfig | ListConfig):
        value = OmegaConf.to_container(value, resolve=False)
    text = repr(value) if isinstance(value, str) and not value.isidentifier() else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _raw(cfg: DictConfig, key: str) -> Any:
    """A value as written (interpolations and ``???`` unresolved)."""
    try:
        return OmegaConf.to_container(cfg, resolve=False)[key]
    except (KeyError, OmegaConfBaseException, TypeError):
        return _MISSING


def check_config(cfg: DictConfig) -> None:
    """Refuse unknown keys, NaN and infinite numbers, and run settings of the wrong type
    (see the module docstring); plug-in sections are left to their classes."""
    top = top_level_keys()
    for key in cfg:
        if key not in top:
            raise ConfigError(unknown_key(str(key), _raw(cfg, key), top))
    for section, known in section_keys().items():
        node = cfg.get(section)
        if isinstance(node, DictConfig):
            for key in node:
                if key not in known:
                    raise ConfigError(unknown_key(str(key), _raw(node, key), known, f"{section}."))
    forecaster = cfg.get("forecaster")
    if isinstance(forecaster, DictConfig) and "_target_" not in forecaster:
        for key in forecaster:
            if key not in HARNESS_KEYS:
                raise ConfigError(
                    unknown_key(str(key), _raw(forecaster, key), HARNESS_KEYS, "forecaster.")
                    + "; a forecaster's own keys need forecaster=<name>"
                )
    _check_finite(cfg)
    for key, low in INTEGER_KEYS.items():
        if key in cfg:
            integer(cfg, key, low)
    for key in BOOLEAN_KEYS:
        boolean(cfg, key)
    memory_limit_bytes(cfg.get("memory_limit", "auto"))


def boolean(cfg: DictConfig, key: str) -> bool:
    """``cfg[key]`` (false when absent) as a boolean, or a ConfigError naming the key."""
    value = cfg.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{key}(={_short(value)}) must be true or false")
    return value


def integer(cfg: DictConfig, key: str, low: int) -> int:
    """``cfg[key]`` as an integer ``>= low`` (booleans and floats refused)."""
    value = cfg[key]
    if not is_int(value, low, types=int):
        raise ConfigError(f"{key}(={value!r}) must be an integer >= {low}")
    return value


def _check_finite(cfg: DictConfig) -> None:
    """Refuse a NaN or infinite number anywhere, naming its dotted key."""
    try:
        tree = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    except OmegaConfBaseException:
        return  # an interpolation that does not resolve: its builder names it
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise ConfigError(f"{path}(={node}) must be a finite number")


# --------------------------------------------------------------------------- plug-ins


def _locate(target: str) -> Any:
    module, _, name = target.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return None


def plugin_keys(target: str) -> list[str] | None:
    """The YAML keys of a plug-in class: its keyword parameters, plus the keys of a
    ``**kwargs: Unpack[SomeTypedDict]`` (None when the class cannot be inspected)."""
    cls = _locate(target)
    if cls is None:
        return None
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    keys = []
    for p in sig.parameters.values():
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            keys.append(p.name)
        elif p.kind is p.VAR_KEYWORD:
            keys.extend(_unpacked_keys(cls, p.annotation))
    return keys


def _unpacked_keys(cls: type, annotation: Any) -> list[str]:
    if isinstance(annotation, str) and annotation.startswith("Unpack["):
        name = annotation[len("Unpack[") : -1].split(".")[-1]
        modules = [sys.modules[c.__module__] for c in cls.__mro__]
        owner = next((m for m in modules if hasattr(m, name)), None)
        annotation = getattr(owner, name, None)
    elif typing.get_origin(annotation) is typing.Unpack:
        annotation = typing.get_args(annotation)[0]
    hints = getattr(annotation, "__annotations__", None)
    return list(hints) if isinstance(hints, dict) else []


@functools.cache
def forecast_policies() -> tuple[str, ...]:
    """The names of the policies in ``conf/policy/`` whose class uses forecasts."""
    names = []
    for path in sorted((CONF_DIR / "policy").glob("*.yaml")):
        target = OmegaConf.load(path).get("_target_")
        cls = _locate(str(target)) if target else None
        if getattr(cls, "needs_forecast", False):
            names.append(path.stem)
    return tuple(names)


def _choice(cfg: DictConfig, group: str) -> str:
    """The config option chosen for ``group`` (``ses``), else its ``_target_``."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            choice = HydraConfig.get().runtime.choices.get(group)
            if choice:
                return str(choice)
    except (ImportError, ValueError, OmegaConfBaseException):
        pass
    node = cfg.get(group)
    return str(node.get("_target_", "?")) if isinstance(node, DictConfig) else "?"


def check_forecast_use(cfg: DictConfig, scenario: Any, policy: Any) -> None:
    """Refuse the scenario's forecaster beside a ``policy`` that does not use forecasts.

    A forecaster that fails its own checks (a history shorter than its fit needs,
    continuous review) is left to the simulation, which refuses it naming that fault: a
    forecaster's own faults are said before whether it fits the policy."""
    forecaster = scenario.forecaster
    if forecaster is None or getattr(policy, "needs_forecast", False):
        return
    need = int(getattr(forecaster, "min_history", 1))
    if scenario.review != "periodic" or scenario.forecasting.history < need:
        return
    users = ", ".join(forecast_policies()) or "none configured"
    raise ConfigError(
        f"forecaster={_choice(cfg, 'forecaster')}: policy={_choice(cfg, 'policy')} does not "
        f"use forecasts; expected a policy that does ({users}), or no forecaster"
    )


# --------------------------------------------------------------------------- memory


def memory_limit_bytes(setting: Any) -> int | None:
    """``memory_limit``: ``auto`` (80% of the memory available now), a number of GiB, or
    null (no limit)."""
    if setting is None:
        return None
    if setting == "auto":
        return int(AUTO_SHARE * available_bytes())
    if (
        isinstance(setting, bool)
        or not isinstance(setting, int | float)
        or not math.isfinite(setting)
        or setting <= 0
    ):
        raise ConfigError(
            f"memory_limit(={_short(setting)}) must be auto, a number of GiB > 0, or null"
        )
    return int(setting * GiB)


def available_bytes() -> int:
    """Memory available to a new allocation: ``MemAvailable`` of ``/proc/meminfo``, else
    free pages times the page size."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**62  # unknown: no guard


def _max_lead_time(model: Any, horizon: int) -> float:
    """An upper bound on the lead times a model draws (periods): exact for fixed and
    discrete ones, mean + 10 std for the unbounded families."""
    values = [getattr(model, a, None) for a in ("_value", "values")]
    for v in values:
        if v is not None:
            return float(max(_flat(v), default=0.0))
    mean = max(_flat(getattr(model, "_mean_in", 0.0)), default=0.0)
    cv = max(_flat(getattr(model, "_cv_in", 1.0)), default=1.0)
    std = max(cv * mean, math.sqrt(max(mean, 0.0)))
    bound = mean + 10.0 * std + 1.0
    return bound if math.isfinite(bound) else float(horizon)


def _flat(value: Any) -> list[float]:
    import numpy as np

    return [float(x) for x in np.asarray(value, dtype=float).reshape(-1)]


def estimate_bytes(scenario: Any, horizon: int, trace_skus: int, replications: int = 1) -> int:
    """Peak memory (bytes) of simulating ``scenario``, an upper estimate.

    With ``T`` periods, ``n`` SKUs, ``N`` nodes, ``E`` edges (``G`` of them with stochastic
    lead times), ``D`` demand-facing nodes, ``W`` the longest lead time + 2, ``k`` traced
    SKUs, ``R`` replications, ``B = 8`` bytes a float:

    * state and per-SKU parameters: ``(40 N + 12 E + 12 D + 30) n B``
    * pipeline ring: ``W E n B``
    * demand of a replication, drawn at once (and its sampling temporaries):
      ``(3 D + 4) T n B``
    * lead-time grids: ``(2 G + 3 [G > 0]) T n B``
    * forecasting (per forecasting node: history, errors, forecasts, the model's state):
      ``3 F (history + 2 error_window + 2 T) n B`` with ``F = D``, 0 without a forecaster
    * traces: the engine's ``10 N T k B`` and the trace table, ``2 R N T k 100`` bytes
    * per-SKU KPI tables: ``2 R N n 30 B``

    The network is built on a copy, so nothing of ``scenario`` changes.
    """
    B = 8
    T, R = int(horizon), int(replications)
    n = int(scenario.n_skus)
    k = min(int(trace_skus), n)
    net = copy.deepcopy(scenario.network)
    net.bind_stores(getattr(scenario.demand, "store_labels", None))
    net.build(scenario.costs)
    top = net.topology
    N, E, D = top.n_nodes, top.n_edges, int(top.demand_nodes.size)
    stochastic = [ed for ed in net.edges if not _is_constant(ed.lead_time)]
    G = len(stochastic)
    W = max([_max_lead_time(ed.lead_time, T) for ed in net.edges] + [1.0]) + 2
    total = (40 * N + 12 * E + 12 * D + 30) * n * B
    total += int(W) * E * n * B
    total += (3 * D + 4) * T * n * B
    total += (2 * G + 3 * (G > 0)) * T * n * B
    if scenario.forecaster is not None:
        s = scenario.forecasting
        total += 3 * D * (s.history + 2 * s.error_window + 2 * T) * n * B
    total += 10 * N * T * k * B + 2 * R * N * T * k * 100
    total += 2 * R * N * n * 30 * B
    return int(total)


def _is_constant(model: Any) -> bool:
    try:
        return model.constant is not None
    except (RuntimeError, AttributeError):
        return False


def check_size(cfg: DictConfig, scenario: Any) -> None:
    """Refuse a run whose :func:`estimate_bytes` exceeds ``memory_limit``."""
    limit = memory_limit_bytes(cfg.get("memory_limit", "auto"))
    if limit is None:
        return
    horizon = integer(cfg, "horizon", 1)
    trace_skus = integer(cfg, "trace_skus", 0)
    replications = integer(cfg, "replications", 1)
    need = estimate_bytes(scenario, horizon, trace_skus, replications)
    if need > limit:
        setting = cfg.get("memory_limit", "auto")
        where = "80% of the memory available" if setting == "auto" else f"memory_limit={setting}"
        raise ConfigError(
            f"n_skus(={scenario.n_skus}) x horizon(={horizon}) x trace_skus(={trace_skus}) "
            f"needs about {need / GiB:.3g} GiB, more than {limit / GiB:.3g} GiB "
            f"({where}): lower n_skus, horizon or trace_skus, or set memory_limit "
            "(GiB, or null for no limit)"
        )
