"""Demand series and small helpers shared by the forecaster tests."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[2]


def weekly_demand(n_periods: int = 120, levels=(5.0, 20.0, 50.0), seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    lam = np.asarray(levels)[None, :] * (1 + 0.3 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(lam).astype(float)


def seasonal_demand(seed: int = 1, n_periods: int = 120, n_skus: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    return 50 + 0.2 * t + 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 3, (n_periods, n_skus))


def ets_ann(rng: np.random.Generator, n_periods: int, n_skus: int, alpha: float, sigma: float):
    """ETS(A,N,N): y_t = l_{t-1} + e_t, l_t = l_{t-1} + alpha e_t (level noise)."""
    e = rng.normal(0.0, sigma, (n_periods, n_skus))
    level_before = 100.0 + np.cumsum(alpha * e, axis=0) - alpha * e
    return level_before + e


def weekly_counts(n_periods: int, levels, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    lam = np.asarray(levels, dtype=float)[None, :] * (1 + 0.4 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(lam).astype(float)


def promoted_demand(n: int, h: int, n_skus: int = 3, seed: int = 8):
    """Demand lifted by each SKU's own promotion plan, and the plan as per-SKU regressors."""
    rng = np.random.default_rng(seed)
    promo = (rng.uniform(size=(n + h, n_skus)) < 0.2).astype(float)
    levels = np.array([4.0, 12.0, 30.0])[:n_skus]
    y = rng.poisson(levels * np.exp(0.7 * promo[:n])).astype(float)
    return y, promo[:, :, None]


def warning_records(caplog) -> list[logging.LogRecord]:
    """The WARNING records ``caplog`` caught (a fit's fallback summary is one)."""
    return [r for r in caplog.records if r.levelno == logging.WARNING]


#: A tiny network for the deep forecasters' tests: fits in a second or two.
SMALL = {"lookback": 14, "horizon": 7, "units": 8, "epochs": 3, "batch_size": 64}


def deep_demand(n_skus: int = 6, n_periods: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    level = rng.uniform(2, 40, n_skus)[None, :]
    return rng.poisson(level * (1 + 0.4 * np.sin(2 * np.pi * t / 7))).astype(float)


def assert_yaml_holds_the_defaults(name: str, cls: type) -> None:
    """``conf/forecaster/<name>.yaml`` instantiates ``cls``, and every constructor parameter
    is a YAML key holding its default, one to one (``refit_every`` aside)."""
    cfg = OmegaConf.load(ROOT / "conf" / "forecaster" / f"{name}.yaml")
    assert cfg.pop("refit_every") == 91  # a simulation setting, not a model parameter
    forecaster = instantiate(cfg)
    assert type(forecaster) is cls
    defaults = {k: p.default for k, p in inspect.signature(cls).parameters.items()}
    assert [k for k in cfg if k != "_target_"] == list(cls.param_names) == list(defaults)
    assert forecaster.parameters() == defaults
