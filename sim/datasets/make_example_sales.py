"""Write ``example_sales.csv``: a small, made-up point-of-sale export with the faults real
exports have, for the README's examples and the tests
(``python sim/datasets/make_example_sales.py``).

Two stores ("north", "south") x three items, daily, 2023-01-02 .. 2023-08-31 (242 days),
with a weekly pattern and promotions; and on purpose: store "south" closed on Sundays (no
rows at all that day), a few missing rows, returns (negative quantities), three outliers
(a bulk order x8), out-of-stock days flagged ``in_stock = 0`` with censored sales, and a
``weekday`` column that is one day off (it is never read). Seeded: the file is the same on
every machine.
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", "2023-08-31", freq="D")
    weekly = np.array([0.9, 0.85, 0.95, 1.0, 1.2, 1.5, 0.6])
    rows = []
    for store, scale in (("north", 1.0), ("south", 0.6)):
        for item, level in (("bread", 40.0), ("rolls", 25.0), ("cake", 6.0)):
            promo = (rng.random(len(dates)) < 0.05).astype(int)
            mean = scale * level * weekly[dates.day_of_week] * (1 + 0.6 * promo)
            qty = rng.poisson(mean).astype(float)
            in_stock = np.ones(len(dates), dtype=int)
            out = rng.random(len(dates)) < 0.03
            in_stock[out] = 0
            qty[out] = np.floor(qty[out] * 0.4)  # the shelf ran empty: sales censored
            spikes = rng.choice(len(dates), size=1, replace=False)
            qty[spikes] *= 8
            returns = rng.random(len(dates)) < 0.01
            qty[returns] = -rng.integers(1, 4, returns.sum())
            frame = pd.DataFrame(
                {
                    "date": dates.strftime("%Y-%m-%d"),
                    "weekday": (dates - pd.Timedelta(days=1)).strftime("%a").str.upper(),
                    "store": store,
                    "item": item,
                    "sales": qty,
                    "in_stock": in_stock,
                    "promo": promo,
                }
            )
            keep = rng.random(len(dates)) > 0.01  # a few rows lost
            if store == "south":
                keep &= dates.day_of_week != 6  # closed on Sundays
            rows.append(frame[keep])
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    path = Path(__file__).with_name("example_sales.csv")
    make().to_csv(path, index=False)
    print(f"wrote {path}")
