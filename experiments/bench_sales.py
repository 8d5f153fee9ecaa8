"""``python -m experiments.bench_sales``: reading and cleaning sales exports, wall-clock.

Cases (median of ``--repeat`` warm runs after one warm-up run):

bakery. ``load_sales("sim/datasets/bakery.parquet")``: 127,575 rows, 35 stores x 3 SKUs x
   1,215 days, seven exogenous columns. Target < 5 s (aim < 1.5 s).
csv. A generated CSV export of ``--stores`` x ``--skus`` x ``--days`` rows (default
   50 x 20 x 1,000 = 1,000,000) with 1% of rows and two whole store-days left out, 0.1%
   negative quantities, 0.05% outliers and an ``in_stock`` flag, read (``read_sales``)
   and cleaned (``clean_sales``) with the default settings. Target < 60 s (aim < 15 s).
weekly. The same file summed into weeks (``freq="W"``) and cleaned.

The CSV is written to a temporary folder once, before timing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.cleaning import clean_sales, load_sales
from sim.sales import read_sales

BAKERY = Path(__file__).resolve().parents[1] / "sim" / "datasets" / "bakery.parquet"


def make_export(path: Path, n_stores: int, n_skus: int, n_days: int, seed: int = 0) -> int:
    """Write a daily POS export with gaps, returns, outliers and stock-outs; its rows."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2020-01-01", periods=n_days, freq="D")
    t, s, k = np.meshgrid(np.arange(n_days), np.arange(n_stores), np.arange(n_skus), indexing="ij")
    t, s, k = t.ravel(), s.ravel(), k.ravel()
    level = rng.gamma(2.0, 10.0, size=(n_stores, n_skus))[s, k]
    weekly = 1.0 + 0.3 * np.sin(2 * np.pi * (t % 7) / 7)
    quantity = rng.poisson(level * weekly).astype(float)
    n = quantity.size
    negative = rng.random(n) < 0.001
    quantity[negative] = -rng.integers(1, 5, negative.sum())
    spikes = rng.random(n) < 0.0005
    quantity[spikes] *= 20
    in_stock = rng.random(n) > 0.02
    quantity[~in_stock] = np.floor(quantity[~in_stock] * 0.3)
    keep = rng.random(n) > 0.01
    keep &= ~((t == n_days // 3) & (s == 0)) & ~((t == n_days // 2) & (s == 1))
    frame = pd.DataFrame(
        {
            "date": dates[t[keep]].strftime("%Y-%m-%d"),
            "store": s[keep] + 1,
            "sku": np.char.add("SKU", k[keep].astype(str)),
            "quantity": quantity[keep],
            "in_stock": in_stock[keep].astype(int),
            "price": np.round(level[keep] / 10 + 1, 2),
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    seconds, history = timed(lambda: load_sales(BAKERY), args.repeat)
    print(
        f"bakery  load_sales  {seconds:7.3f} s  ({history.demand.shape}, "
        f"{history.summary().changed.sum()} cells changed)"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        rows = make_export(path, args.stores, args.skus, args.days)
        print(f"csv     {rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB")
        read_s, table = timed(lambda: read_sales(path), args.repeat)
        clean_s, history = timed(lambda: clean_sales(table), args.repeat)
        print(f"csv     read_sales  {read_s:7.3f} s")
        print(f"csv     clean_sales {clean_s:7.3f} s  ({history.demand.shape})")
        print(f"csv     total       {read_s + clean_s:7.3f} s")
        print(
            "        " + ", ".join(f"{r.step} {r.changed}" for r in history.summary().itertuples())
        )
        week_s, _ = timed(lambda: clean_sales(read_sales(path, freq="W")), args.repeat)
        print(f"weekly  read+clean  {week_s:7.3f} s")


if __name__ == "__main__":
    main()
