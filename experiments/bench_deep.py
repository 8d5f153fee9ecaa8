"""``python -m experiments.bench_deep``: training speed of the global LSTM (or GRU) on CPU.

Fits :class:`forecasters.lstm.LSTM` with its default network (28 periods in, 14 out, 32
units, batch 256, 20% time-ordered validation) on synthetic daily demand of ``--skus`` SKUs
x ``--periods`` days (default 1,000 x 730): Poisson around SKU levels spread log-uniformly
over 0.5..200 with a +-30% weekly season. Early stopping is switched off
(``patience = epochs``) so every one of ``--epochs`` epochs runs. Reported:

* seconds per epoch: the first epoch (it traces the training graph) apart from the mean of
  the others; an epoch includes scoring the validation windows, as in every real fit;
* training windows per second (windows trained per epoch / seconds per later epoch);
* the whole ``fit`` (windowing, building, training, validation error spread) and one
  ``predict(14)`` for all SKUs.

The machine's other load counts: run it on an idle machine for figures to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def demand(n_skus: int, n_periods: int, seed: int = 0) -> np.ndarray:
    """Weekly-seasonal Poisson demand ``(n_periods, n_skus)``."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.uniform(np.log(0.5), np.log(200.0), n_skus))[None, :]
    t = np.arange(n_periods)[:, None]
    season = 1 + 0.3 * np.sin(2 * np.pi * (t + rng.integers(0, 7, n_skus)) / 7)
    return rng.poisson(level * season).astype(float)


def bench(
    n_skus: int, n_periods: int, epochs: int, cell: str = "lstm", units: int = 32, seed: int = 0
) -> dict:
    from forecasters.gru import GRU
    from forecasters.lstm import LSTM

    y = demand(n_skus, n_periods, seed)
    cls = {"lstm": LSTM, "gru": GRU}[cell]
    model = cls(units=units, epochs=epochs, patience=epochs, seed=seed)
    t0 = time.perf_counter()
    model.fit(y)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(14)
    predict_seconds = time.perf_counter() - t0

    import tensorflow as tf

    log = model.training_log_
    seconds = log["epoch_seconds"]
    later = float(np.mean(seconds[1:])) if len(seconds) > 1 else float(seconds[0])
    return {
        "model": type(model).__name__,
        "skus": n_skus,
        "periods": n_periods,
        "epochs": len(seconds),
        "units": units,
        "batch_size": model.batch_size,
        "train_windows": log["n_train_windows"],
        "val_windows": log["n_val_windows"],
        "first_epoch_s": seconds[0],
        "epoch_s": later,
        "train_windows_per_s": log["n_train_windows"] / later,
        "fit_s": fit_seconds,
        "predict_14_s": predict_seconds,
        "tensorflow": tf.__version__,
        "cpu_count": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=730)
    parser.add_argument("--epochs", type=int, default=3, help="epochs to time (>= 2)")
    parser.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    result = bench(args.skus, args.periods, args.epochs, args.cell, args.units, args.seed)
    print(
        f"{result['model']}: {args.skus} SKUs x {args.periods} periods, "
        f"{result['train_windows']:,} training + {result['val_windows']:,} validation windows"
    )
    print(
        f"  first epoch {result['first_epoch_s']:.1f} s, later epochs {result['epoch_s']:.1f} s "
        f"= {result['train_windows_per_s']:,.0f} training windows/s"
    )
    print(
        f"  fit ({result['epochs']} epochs) {result['fit_s']:.1f} s, "
        f"predict(14) for all SKUs {result['predict_14_s'] * 1000:.0f} ms"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
