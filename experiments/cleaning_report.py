"""The cleaned sales table and the cleaning report of a replayed history.

Every run on replayed data (``demand=replay``, ``demand=bakery``) and every
``python -m experiments.clean`` writes, into its output folder:

* ``cleaned.parquet``: the long cleaned table (one row per date, store and SKU: the cleaned
  ``quantity``, the ``raw_quantity`` as read, returns, flags and exogenous columns);
* ``cleaning_report.md`` and ``cleaning_report.html`` (self-contained): what was read, the
  settings in force, how many values each step changed (in total, and per store and SKU
  where any changed), and a figure of the series the cleaning changed most, before and
  after (``cleaning_before_after.png``).

Each file is written to a temporary name and renamed, so a file that exists is complete.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.report import CSS, _html_table, _md_table  # noqa: E402
from experiments.run import CLEANING_FILES, _atomic_write  # noqa: E402
from sim.cleaning import SalesHistory  # noqa: E402

__all__ = ["write_cleaning", "figure_before_after", "MAX_SERIES_SHOWN"]

#: Series drawn before/after in the report (those the cleaning changed most).
MAX_SERIES_SHOWN = 4
#: What each of :data:`experiments.run.CLEANING_FILES` is, in its order.
PATH_KEYS = ("table", "markdown", "html", "figure")
#: Rows of the per-series change table (the series with most changes first).
MAX_TABLE_ROWS = 30


def _changed_series(history: SalesHistory) -> pd.DataFrame:
    """Changes per store and SKU: one column per step, most changed first."""
    ch = history.changes
    if ch.empty:
        return pd.DataFrame(columns=["store", "sku", "total"])
    wide = ch.pivot_table(
        index=["store", "sku"], columns="step", values="changed", aggfunc="sum", fill_value=0
    )
    wide["total"] = wide.sum(axis=1)
    wide = wide.sort_values("total", ascending=False).reset_index()
    wide.columns.name = None
    return wide


def figure_before_after(history: SalesHistory, series: list[tuple[str, str]]) -> bytes:
    """Raw (grey) and cleaned (blue) demand of a few series, one panel each."""
    n = max(len(series), 1)
    fig, axes = plt.subplots(n, 1, figsize=(9, 2.2 * n), sharex=True, squeeze=False)
    store_at = {s: i for i, s in enumerate(history.stores)}
    sku_at = {k: i for i, k in enumerate(history.skus)}
    for ax, (store, sku) in zip(axes[:, 0], series, strict=False):
        s, k = store_at[store], sku_at[sku]
        raw, clean = history.raw[:, s, k], history.demand[:, s, k]
        ax.plot(history.dates, raw, color="0.6", lw=0.8, label="as read")
        ax.plot(history.dates, clean, color="tab:blue", lw=0.8, label="cleaned")
        changed = ~np.isclose(np.nan_to_num(raw, nan=-1.0), clean)
        ax.scatter(
            history.dates[changed], clean[changed], s=8, color="tab:red", zorder=3, label="changed"
        )
        ax.set_title(f"store {store}, SKU {sku}", fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    axes[0, 0].legend(fontsize=8, ncol=3, loc="upper right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def write_cleaning(history: SalesHistory, out_dir: Path) -> dict[str, Path]:
    """Write ``cleaned.parquet`` and the cleaning report into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    # the names run.py lists among a run's results (CLEANING_FILES), in that order
    paths = {k: out_dir / name for k, name in zip(PATH_KEYS, CLEANING_FILES, strict=True)}
    frame = history.to_frame()
    _atomic_write(paths["table"], lambda t: frame.to_parquet(t, index=False))
    per_series = _changed_series(history)
    top = per_series.head(MAX_SERIES_SHOWN)
    shown = [(str(r.store), str(r.sku)) for r in top.itertuples()] or [
        (history.stores[0], history.skus[0])
    ]
    png = figure_before_after(history, shown)
    _atomic_write(paths["figure"], lambda t: Path(t).write_bytes(png))

    T, S, K = history.demand.shape
    summary = history.summary()
    settings = pd.DataFrame(
        [
            {"setting": f"demand.cleaning.{k}", "value": str(v)}
            for k, v in dataclasses.asdict(history.settings).items()
        ]
    )
    facts = (
        f"Source: {history.source}. {T} periods ({history.freq}) from "
        f"{history.dates[0].date()} to {history.dates[-1].date()}, {S} store(s), {K} SKU(s): "
        f"{T * S * K} values. Exogenous columns: {', '.join(history.exog) or 'none'}."
    )
    md = [
        "# Cleaning report\n",
        facts + "\n",
        "## Settings\n",
        _md_table(settings) + "\n",
        "## Values changed by each step\n",
        _md_table(summary) + "\n",
    ]
    body = [
        f"<h1>Cleaning report</h1><p>{html.escape(facts)}</p>",
        "<h2>Settings</h2>",
        _html_table(settings),
        "<h2>Values changed by each step</h2>",
        _html_table(summary),
    ]
    if not per_series.empty:
        table = per_series.head(MAX_TABLE_ROWS)
        more = len(per_series) - len(table)
        note = f" ({more} more series changed; all in cleaned.parquet)" if more > 0 else ""
        md += [f"## Changes per store and SKU{note}\n", _md_table(table) + "\n"]
        body += [f"<h2>Changes per store and SKU{html.escape(note)}</h2>", _html_table(table)]
    caption = "Before and after cleaning: the series the cleaning changed most"
    md += [f"## {caption}\n", f"![{caption}]({paths['figure'].name})\n"]
    b64 = base64.b64encode(png).decode("ascii")
    body += [
        f"<h2>{html.escape(caption)}</h2>",
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}"></figure>',
    ]
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Cleaning report</title>"
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
    )
    _atomic_write(paths["markdown"], lambda t: Path(t).write_text("\n".join(md)))
    _atomic_write(paths["html"], lambda t: Path(t).write_text(page))
    return paths
