"""``python -m experiments.backtest forecaster=ets demand=bakery``: rolling-origin forecast
accuracy, apart from any inventory policy (:mod:`sim.evaluation`).

The demand history:

* generated demand (``demand=seasonal`` …): ``n_skus`` SKUs drawn from the configured model
  for periods ``-forecaster.history .. horizon - 1``;
* replayed data (``demand=replay``, ``demand=bakery``): every (store, SKU) series of the
  cleaned history, whole (a series is ``store/sku``).

From rolling origins (``backtest.horizon`` periods ahead, origins ``backtest.step`` apart,
the last ``backtest.windows`` of them, each after ``backtest.min_history`` periods) the
forecaster, fitted on the data before the origin only (re-fitted every
``forecaster.refit_every`` periods, updated period by period in between), forecasts the
window. Per lead and overall: MAE, RMSE, bias (actual - forecast), MASE (seasonal scale,
``backtest.season``), RMSSE (M5) and the coverage of the forecaster's central 80% interval;
per series the same in ``per_series.csv``. A forecaster that uses regressors gets the
columns of ``forecaster.exog`` as in a simulation (``sim/forecasting.py``): on replayed data
the calendar and the data's own columns (holidays, promotions, weather; observed columns
lagged or known as ``demand.observed_as`` says).

Written to the run folder: ``backtest.csv`` (per lead, and ``all``), ``per_series.csv`` and
``backtest.json`` (``forecaster``, ``summary``, ``per_series``, ``table``, ``config``). A
sweep over forecasters (``-m forecaster=seasonal_naive,ets,glm``) ends with the leaderboard
(:mod:`experiments.leaderboard`): ``leaderboard.csv`` and ``leaderboard.png``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments import interrupts
from experiments.run import (
    ConfigError,
    _atomic_write,
    _explain,
    _forecasting,
    _instantiate,
    _int,
    write_error,
)
from sim.checks import is_int
from sim.evaluation import Backtest, rolling_origin
from sim.forecasting import ExogSource
from sim.rng import Streams

#: backtest.* keys and their defaults
DEFAULTS = {"horizon": 7, "step": 7, "windows": 26, "min_history": 56, "season": 7}


def _settings(cfg: DictConfig) -> dict[str, int | None]:
    node = cfg.get("backtest") or {}
    unknown = sorted(set(node) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"backtest.{unknown[0]}: unknown key; expected one of {', '.join(DEFAULTS)}"
        )
    out = {k: node.get(k, v) for k, v in DEFAULTS.items()}
    for key, value in out.items():
        if key == "windows" and value is None:
            continue
        if not is_int(value, 1, types=int):
            raise ConfigError(f"backtest.{key}(={value!r}) must be an integer >= 1")
    return out


def _replay_data(demand, settings, forecaster) -> tuple[np.ndarray, np.ndarray | None, list]:
    """All (store, SKU) series of replayed data, store-major, and their regressors (row
    ``t`` is data period ``t``; the calendar columns count periods from the first date)."""
    history = demand.history
    T, S, K = history.demand.shape
    y = history.series()
    labels = [f"{s}/{k}" for s in history.stores for k in history.skus]
    if not settings.exog or not getattr(forecaster, "uses_exog", False):
        return y, None, labels
    source = ExogSource(settings.exog, demand)
    if not source.columns:
        return y, None, labels
    shared = source.calendar(np.arange(T))
    x = np.concatenate(
        [np.repeat(shared[:, None, :], S * K, axis=1), demand.series_exog(source.data)], axis=2
    )
    return y, x, labels


def _generated_data(cfg, demand, settings, forecaster, horizon):
    n_skus = _int(cfg, "n_skus", 1)
    streams = Streams(cfg.seed)
    demand.setup(n_skus, streams.get("population"), streams.get("promotions"))
    H = settings.history
    y = demand.sample(streams.get("demand", 0), -H, H + horizon)
    x = None
    if settings.exog and getattr(forecaster, "uses_exog", False):
        source = ExogSource(settings.exog, demand)
        x = source.table(-H, H + horizon) if source.columns else None
    return y, x, [f"sku{i}" for i in range(n_skus)]


def backtest(cfg: DictConfig) -> tuple[Backtest, pd.DataFrame]:
    """The rolling-origin evaluation and its per-lead table (with an ``all`` row)."""
    forecaster, settings = _forecasting(cfg)
    if forecaster is None:
        raise ConfigError("backtest needs a forecaster: add e.g. forecaster=ses")
    bt = _settings(cfg)
    demand = _instantiate("demand", cfg.demand)
    if demand.history is not None:
        y, x, labels = _replay_data(demand, settings, forecaster)
        min_history = bt["min_history"]
    else:
        horizon = _int(cfg, "horizon", bt["horizon"] + 1)
        y, x, labels = _generated_data(cfg, demand, settings, forecaster, horizon)
        min_history = max(bt["min_history"], settings.history)
    result = rolling_origin(
        forecaster,
        pd.DataFrame(y, columns=labels),
        x,
        horizon=bt["horizon"],
        step=bt["step"],
        windows=bt["windows"],
        min_history=min_history,
        refit_every=settings.refit_every,
        season=bt["season"],
    )
    table = result.by_lead().reset_index()
    overall = {k: v for k, v in result.summary().items() if k in table.columns}
    table = pd.concat([table, pd.DataFrame([{"lead": "all", **overall}])], ignore_index=True)
    return result, table


@hydra.main(version_base=None, config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    choices = hc.runtime.choices
    interrupts.install()
    started = time.perf_counter()
    try:
        result, table = backtest(cfg)
    except (ConfigError, ValueError, TypeError, OmegaConfBaseException) as exc:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        if hc.mode == RunMode.MULTIRUN:
            write_error(out, cfg, exc)
            print(
                f"stocklab: job failed: {_explain(exc)} (see {out / 'error.json'})", file=sys.stderr
            )
            return
        print(f"stocklab: error: {_explain(exc)}", file=sys.stderr)
        sys.exit(2)
    interrupts.check()  # a Ctrl-C dropped while fitting: nothing is written
    seconds = time.perf_counter() - started
    summary = result.summary()
    print(
        f"backtest · forecaster={choices.get('forecaster')} · demand={choices.get('demand')} · "
        f"{result.n_series} series · {summary['windows']} rolling origins × "
        f"{result.horizon} periods · {seconds:.1f} s"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    per_series = result.per_series().reset_index()
    payload = {
        "forecaster": choices.get("forecaster"),
        "demand": choices.get("demand"),
        "summary": {**summary, "seconds": seconds},
        "per_series": per_series.to_dict(orient="records"),
        "table": table.to_dict(orient="records"),
        "config": OmegaConf.to_container(cfg, resolve=True),
    }
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "backtest.csv", lambda t: table.to_csv(t, index=False))
    _atomic_write(out / "per_series.csv", lambda t: per_series.to_csv(t, index=False))
    # last: a job with backtest.json is complete
    _atomic_write(
        out / "backtest.json",
        lambda t: Path(t).write_text(json.dumps(payload, indent=2, default=_json_default)),
    )
    print(f"results: {out}")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


if __name__ == "__main__":
    from experiments import callbacks
    from experiments.run import precheck

    try:
        precheck(sys.argv[1:])
        main()
    except KeyboardInterrupt:
        interrupts.exit_interrupted()
    # a backtest sweep with failed jobs exits 1 once the leaderboard is written
    sys.exit(callbacks.exit_status())
