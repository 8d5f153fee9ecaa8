"""``python -m experiments.backtest forecaster=holt_winters demand=seasonal``: rolling-origin
forecast accuracy, apart from any inventory policy.

Demand for ``n_skus`` SKUs is drawn from the configured demand model (periods
``-history .. horizon-1``). From each origin ``t`` (every ``backtest.step`` periods, starting
after ``forecaster.history`` periods) the forecaster, fitted on data before ``t`` only
(re-fitted every ``forecaster.refit_every`` periods, updated period by period in between),
forecasts the next ``backtest.horizon`` periods. The table gives, per lead (1..horizon) and
overall: MAE, RMSE, bias (actual - forecast), MASE (MAE over the in-sample one-step naive
MAE, Hyndman & Koehler 2006) and, where the forecaster has its own predictive std, the
coverage of its central 80% interval (normal). Written to ``backtest.csv`` and
``backtest.json`` in the run folder. A forecaster that uses exogenous regressors gets the
columns of ``forecaster.exog`` as in a simulation (``sim/forecasting.py``): those of the
periods it learns from, and those of the periods it forecasts, known in advance; e.g.
``python -m experiments.backtest forecaster=glm demand=promotions``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.run import ConfigError, _atomic_write, _explain, _forecasting, _instantiate, _int
from sim.forecasting import ExogSource
from sim.rng import Streams

Z80 = 1.2815515655446004  # standard normal 0.9-quantile


def backtest(cfg: DictConfig) -> pd.DataFrame:
    forecaster, settings = _forecasting(cfg)
    if forecaster is None:
        raise ConfigError("backtest needs a forecaster: add e.g. forecaster=ses")
    demand = _instantiate("demand", cfg.demand)
    n_skus = _int(cfg, "n_skus", 1)
    bt = cfg.get("backtest") or {}
    h = int(bt.get("horizon", 14))
    step = int(bt.get("step", 7))
    if h < 1 or step < 1:
        raise ConfigError(f"backtest.horizon(={h}) and backtest.step(={step}) must be >= 1")
    horizon = _int(cfg, "horizon", h + 1)
    streams = Streams(cfg.seed)
    demand.setup(n_skus, streams.get("population"), streams.get("promotions"))
    H = settings.history
    y = demand.sample(streams.get("demand", 0), -H, H + horizon)
    # regressors of periods -H .. horizon - 1 (row k is period k - H), if the model uses any
    x = None
    if settings.exog and getattr(forecaster, "uses_exog", False):
        source = ExogSource(settings.exog, demand)
        x = source.table(-H, H + horizon) if source.columns else None
    naive_scale = np.mean(np.abs(np.diff(y[:H], axis=0)), axis=0) if H > 1 else np.ones(n_skus)
    origins = list(range(H, H + horizon - h + 1, step))
    if not origins:
        raise ConfigError(f"horizon(={horizon}) must exceed backtest.horizon(={h})")
    err = np.full((len(origins), h, n_skus), np.nan)
    covered = np.full((len(origins), h, n_skus), np.nan)
    fitted_at, seen = None, 0
    for k, t0 in enumerate(origins):
        if fitted_at is None or t0 - fitted_at >= settings.refit_every:
            if x is None:
                forecaster.fit(y[:t0].copy())
            else:
                forecaster.fit(y[:t0].copy(), x[:t0])
            fitted_at = seen = t0
        else:
            for t in range(seen, t0):
                if x is None:
                    forecaster.update(y[t].copy())
                else:
                    forecaster.update(y[t].copy(), x[t])
            seen = t0
        fc = forecaster.predict(h) if x is None else forecaster.predict(h, x[t0 : t0 + h])
        actual = y[t0 : t0 + h]
        err[k] = actual - fc.mean
        if fc.std is not None:
            covered[k] = np.abs(err[k]) <= Z80 * fc.std
    rows = []
    for lead in [*range(h), None]:
        e = err[:, lead] if lead is not None else err.reshape(-1, n_skus)
        c = covered[:, lead] if lead is not None else covered.reshape(-1, n_skus)
        with np.errstate(divide="ignore", invalid="ignore"):
            mase = np.nanmean(np.nanmean(np.abs(e), axis=0) / naive_scale)
        rows.append(
            {
                "lead": "all" if lead is None else lead + 1,
                "mae": float(np.nanmean(np.abs(e))),
                "rmse": float(np.sqrt(np.nanmean(e**2))),
                "bias": float(np.nanmean(e)),
                "mase": float(mase),
                "coverage80": float(np.nanmean(c)) if not np.all(np.isnan(c)) else np.nan,
            }
        )
    return pd.DataFrame(rows)


@hydra.main(version_base=None, config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    try:
        table = backtest(cfg)
    except (ConfigError, ValueError, TypeError) as exc:
        print(f"stocklab: error: {_explain(exc)}", file=sys.stderr)
        sys.exit(2)
    choices = HydraConfig.get().runtime.choices
    print(
        f"backtest · forecaster={choices.get('forecaster')} · demand={choices.get('demand')} · "
        f"{cfg.n_skus} SKUs · rolling origins every {cfg.backtest.step} periods"
    )
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    out = Path(HydraConfig.get().runtime.output_dir)
    _atomic_write(out / "backtest.csv", lambda t: table.to_csv(t, index=False))
    payload = {"table": table.to_dict(orient="records"), "config": OmegaConf.to_container(cfg)}
    _atomic_write(
        out / "backtest.json", lambda t: Path(t).write_text(json.dumps(payload, indent=2))
    )
    print(f"results: {out}")


if __name__ == "__main__":
    from experiments.run import precheck

    precheck(sys.argv[1:])
    main()
