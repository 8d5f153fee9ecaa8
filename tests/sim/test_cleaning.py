"""Cleaning sales into demand: each step on hand-computed series, and a conservation law.

Hand computations for the outlier tests use weekly data and ``impute_weeks=1``, so the
baseline is the median of three neighbouring periods (two at the ends), and the scale is
1.4826 x MAD of the residuals (Hampel 1974).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cleaning import (
    CleaningSettings,
    SalesHistory,
    clean_sales,
    find_outliers,
    load_sales,
)
from sim.sales import read_sales, sales_from_frame

BAKERY = Path(__file__).resolve().parents[2] / "sim" / "datasets" / "bakery.parquet"
BAKERY_EXOG = (
    "is_schoolholiday",
    "is_holiday",
    "is_holiday_next2days",
    "rain",
    "temperature",
    "promotion_currentweek",
    "promotion_lastweek",
)


def clean(
    series: dict[tuple[str, str], list],
    *,
    days: int = 1,
    in_stock: dict[tuple[str, str], list] | None = None,
    closed: dict[tuple[str, str], list] | None = None,
    **cleaning,
) -> SalesHistory:
    """Clean series given as lists per (store, sku); None = no row, nan = row without value.

    Periods are ``days`` apart starting on Monday 2024-01-01.
    """
    rows = []
    for (store, sku), values in series.items():
        for t, value in enumerate(values):
            if value is None:
                continue
            row = {
                "date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=days * t),
                "store": store,
                "sku": sku,
                "quantity": value,
            }
            if in_stock is not None:
                row["in_stock"] = bool(in_stock.get((store, sku), [1] * len(values))[t])
            if closed is not None:
                row["closed"] = bool(closed.get((store, sku), [0] * len(values))[t])
            rows.append(row)
    table = sales_from_frame(pd.DataFrame(rows))
    return clean_sales(table, CleaningSettings(**cleaning))


def counts(history: SalesHistory) -> dict[str, int]:
    return dict(zip(history.summary()["step"], history.summary()["changed"], strict=True))


# ---------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("closed_days", "drop"),
        ("impute", "mean"),
        ("impute_weeks", 0),
        ("impute_weeks", 2.5),
        ("impute_weeks", True),
        ("outliers", "clip"),
        ("outlier_threshold", 0),
        ("outlier_threshold", float("nan")),
        ("outlier_threshold", "6"),
        ("returns", "gross"),
        ("stockouts", "drop"),
    ],
)
def test_settings_are_validated(key, value):
    with pytest.raises(ValueError) as info:
        CleaningSettings(**{key: value})
    assert str(info.value).startswith(f"demand.cleaning.{key}(={value!r})")


def test_unknown_setting_lists_the_valid_keys(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("date,sku,quantity\n2024-01-01,A,1\n2024-01-02,A,2\n")
    with pytest.raises(ValueError, match=r"demand.cleaning.treshold: unknown key; valid keys are "
                       r"closed_days, impute, impute_weeks"):  # fmt: skip
        load_sales(path, cleaning={"treshold": 3})
    history = load_sales(path, cleaning={"impute": "linear"})
    assert history.settings.impute == "linear"
    assert history.demand[:, 0, 0].tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------- returns


def test_returns_separate_moves_negatives_to_the_returns_array():
    history = clean({("1", "A"): [5, 3, -4, 6]}, outliers="keep")
    assert history.demand[:, 0, 0].tolist() == [5, 3, 0, 6]
    assert history.returns[:, 0, 0].tolist() == [0, 0, 4, 0]
    assert counts(history)["returns"] == 1


def test_returns_net_come_off_earlier_sales_and_keep_the_total():
    history = clean({("1", "A"): [5, 3, -4, 6]}, outliers="keep", returns="net")
    # -4 on day 3: 3 - 4 = -1 on day 2, the excess 1 off day 1
    assert history.demand[:, 0, 0].tolist() == [4, 0, 0, 6]
    assert history.demand.sum() == 5 + 3 - 4 + 6
    assert history.returns[:, 0, 0].tolist() == [0, 0, 4, 0]
    assert counts(history)["returns"] == 3


# ---------------------------------------------------------------------------- closed days


def closed_case(**cleaning) -> SalesHistory:
    five = [5.0] * 14
    store1_a, store1_b = list(five), list(five)
    store1_a[3] = store1_b[3] = None  # store 1 has no row on day 3: closed
    store1_a[8] = store1_b[8] = 0.0  # and sells nothing on day 8: closed
    store2_b = list(five)
    store2_b[3] = None  # store 2 sells A on day 3, so B is missing, not closed
    store2_a, store2_b[5] = list(five), 7.0
    store2_a[5] = 7.0
    flags = [0] * 14
    flags[5] = 1  # store 2 flagged closed on day 5 (quantities are ignored)
    return clean(
        {
            ("1", "A"): store1_a,
            ("1", "B"): store1_b,
            ("2", "A"): store2_a,
            ("2", "B"): store2_b,
            ("3", "A"): five,  # store 3 never sells B: not in its assortment
        },
        closed={("2", "A"): flags, ("2", "B"): flags},
        outliers="keep",
        **cleaning,
    )


def test_closed_days_rule():
    history = closed_case()
    assert history.stores == ["1", "2", "3"]
    assert np.flatnonzero(history.closed[:, 0]).tolist() == [3, 8]
    assert np.flatnonzero(history.closed[:, 1]).tolist() == [5]
    assert not history.closed[:, 2].any()
    assert history.demand[[3, 8], 0, :].tolist() == [[0, 0], [0, 0]]
    assert history.demand[5, 1, :].tolist() == [0, 0]
    assert history.demand[3, 1, 1] == 5.0  # imputed from day 10, the same weekday
    assert (history.demand[:, 2, 1] == 0).all()


def test_changes_counted_per_step_store_and_sku():
    history = closed_case()
    assert counts(history) == {
        "returns": 0,
        "closed_days": 2 + 2 + 14,  # absent day of store 1, flagged day of store 2, (3, B)
        "outliers": 0,
        "stockouts": 0,
        "impute": 1,
    }
    assert list(history.changes.columns) == ["step", "store", "sku", "changed"]
    assert history.changes.values.tolist() == [
        ["closed_days", "1", "A", 1],
        ["closed_days", "1", "B", 1],
        ["closed_days", "2", "A", 1],
        ["closed_days", "2", "B", 1],
        ["closed_days", "3", "B", 14],
        ["impute", "2", "B", 1],
    ]


def test_closed_days_imputed():
    history = closed_case(closed_days="impute")
    assert history.closed[3, 0] and history.closed[5, 1]
    assert history.demand[[3, 8], 0, :].tolist() == [[5, 5], [5, 5]]
    assert history.demand[5, 1, :].tolist() == [5, 5]
    assert (history.demand[:, 2, 1] == 0).all()  # the assortment rule still holds


# ---------------------------------------------------------------------------- imputation


def test_same_weekday_fills_a_missing_monday_with_the_median_of_neighbouring_mondays():
    mondays = [12, 7, 30, 41, None, 5, 18, 22, 9]
    sku_b = [float(mondays[t // 7]) if t % 7 == 0 and mondays[t // 7] else 1.0 for t in range(63)]
    sku_b[28] = None  # the fifth Monday has no row, while A sells: missing
    history = clean({("1", "A"): [1.0] * 63, ("1", "B"): sku_b}, outliers="keep")
    # median of 12, 7, 30, 41, 5, 18, 22, 9 = (12 + 18) / 2
    assert history.demand[28, 0, 1] == 15.0
    assert history.raw[28, 0, 1] != history.raw[28, 0, 1]  # NaN: no row
    assert counts(history)["impute"] == 1


def test_linear_interpolation_holds_the_ends():
    history = clean({("1", "A"): [np.nan, 10, np.nan, np.nan, 20, np.nan]}, days=7,
                    impute="linear", outliers="keep")  # fmt: skip
    assert history.freq == "W-MON"
    np.testing.assert_allclose(history.demand[:, 0, 0], [10, 10, 40 / 3, 50 / 3, 20, 20])


def test_zero_imputation():
    history = clean({("1", "A"): [3, np.nan, 4]}, impute="zero", outliers="keep")
    assert history.demand[:, 0, 0].tolist() == [3, 0, 4]


def test_impute_none_refuses_missing_values():
    with pytest.raises(ValueError) as info:
        clean({("3", "101"): [3, np.nan, 4, np.nan]}, days=7, impute="none")
    assert str(info.value) == (
        "demand.cleaning.impute(='none'): 2 missing values remain, e.g. store 3, sku 101, "
        "2024-01-08; choose same_weekday, linear or zero"
    )


# ---------------------------------------------------------------------------- outliers

SPIKE = [10, 12, 10, 12, 60, 12, 10, 12, 10]
# baseline m = 11 10 12 12 12 12 12 10 11; residuals -1 2 -2 0 48 0 -2 2 -1;
# median 0, MAD 2, scale 1.4826 * 2; bound 3 * 2.9652 = 8.8956
SPIKE_CAP = 12 + 3 * 1.4826 * 2


def test_outlier_capped_at_the_bound():
    history = clean({("1", "A"): SPIKE}, days=7, impute_weeks=1, outlier_threshold=3)
    expected = list(SPIKE)
    expected[4] = SPIKE_CAP
    np.testing.assert_allclose(history.demand[:, 0, 0], expected, rtol=0, atol=1e-12)
    assert counts(history)["outliers"] == 1


def test_low_outlier_capped_at_the_lower_bound():
    # baseline 51 50 52 50 52 50 52 50 51; residuals -1 2 -2 2 -47 2 -2 2 -1;
    # median -1, MAD 3, bound 3 * 1.4826 * 3 = 13.3434
    dip = [50, 52, 50, 52, 5, 52, 50, 52, 50]
    history = clean({("1", "A"): dip}, days=7, impute_weeks=1, outlier_threshold=3)
    assert history.demand[4, 0, 0] == pytest.approx(52 - 3 * 1.4826 * 3, abs=1e-12)


def test_outlier_kept_or_made_missing():
    kept = clean({("1", "A"): SPIKE}, days=7, impute_weeks=1, outlier_threshold=3, outliers="keep")
    assert kept.demand[:, 0, 0].tolist() == SPIKE
    missing = clean({("1", "A"): SPIKE}, days=7, impute_weeks=1, outlier_threshold=3,
                    outliers="missing")  # fmt: skip
    assert missing.demand[4, 0, 0] == 12.0  # the median of its neighbours, 12 and 12
    assert counts(missing)["outliers"] == 1 and counts(missing)["impute"] == 1


def test_intermittent_and_constant_series_have_no_outliers():
    # MAD 0: the scale falls back on the mean absolute deviation
    sparse = clean({("1", "A"): [0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0] * 3})
    assert counts(sparse)["outliers"] == 0
    flat = clean({("1", "A"): [7.0] * 30})
    assert counts(flat)["outliers"] == 0


# ---------------------------------------------------------------------------- stock-outs


def test_stockout_uncensored_to_the_estimate():
    sold = [10, 10, 2, 10, 10, 30, 10]
    flags = {("1", "A"): [1, 1, 0, 1, 1, 0, 1]}
    history = clean({("1", "A"): sold}, days=7, impute_weeks=1, in_stock=flags)
    # day 2: the median of its in-stock neighbours is 10; day 5 sold more than that
    assert history.demand[:, 0, 0].tolist() == [10, 10, 10, 10, 10, 30, 10]
    assert counts(history)["stockouts"] == 1
    assert history.in_stock[:, 0, 0].tolist() == [True, True, False, True, True, False, True]
    kept = clean({("1", "A"): sold}, days=7, impute_weeks=1, in_stock=flags, stockouts="keep")
    assert kept.demand[2, 0, 0] == 2


# ---------------------------------------------------------------------------- views


def test_views_and_natural_order():
    history = clean(
        {("10", "b2"): [1, 2], ("2", "b10"): [3, 4], ("2", "b2"): [5, 6]}, outliers="keep"
    )
    assert history.stores == ["2", "10"] and history.skus == ["b2", "b10"]
    assert history.demand.shape == (2, 2, 2)
    # store-major columns s * K + k; (10, b10) was never sold: 0
    assert history.series().tolist() == [[5, 3, 1, 0], [6, 4, 2, 0]]
    assert history.pooled().tolist() == [[6, 3], [8, 4]]
    frame = history.to_frame()
    assert len(frame) == 8
    assert frame.columns.tolist() == [
        "date", "store", "sku", "quantity", "raw_quantity", "returns", "closed",
    ]  # fmt: skip
    assert frame["store"].tolist()[:4] == ["2", "2", "10", "10"]
    assert frame["quantity"].tolist()[:4] == [5, 3, 1, 0]


def test_bakery_loads():
    table = read_sales(BAKERY)
    assert table.dropped == ("weekday", "month", "year")
    assert table.exog == BAKERY_EXOG
    history = load_sales(BAKERY)
    assert history.demand.shape == (1215, 35, 3)
    assert len(history.stores) == 35 and history.skus == ["101", "109", "110"]
    assert history.dates[0] == pd.Timestamp("2016-01-02") and history.freq == "D"
    assert tuple(history.exog) == BAKERY_EXOG
    assert np.isfinite(history.demand).all() and (history.demand >= 0).all()
    assert history.closed[history.dates.get_loc("2016-12-25")].all()  # Christmas, all zeros


# ---------------------------------------------------------------------------- a property


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(10, 50), st.integers(1, 3), st.integers(1, 3)),
    outliers=st.sampled_from(["cap", "keep", "missing"]),
    impute=st.sampled_from(["same_weekday", "linear", "zero"]),
    closed_days=st.sampled_from(["zero", "impute"]),
    stockouts=st.sampled_from(["uncensor", "keep"]),
    weeks=st.integers(1, 4),
    threshold=st.floats(1.0, 8.0),
)
def test_untouched_cells_keep_their_sales(
    seed, shape, outliers, impute, closed_days, stockouts, weeks, threshold
):
    """Demand equals sales on cells that were neither missing, closed, returns,
    stock-outs nor outliers; everything is finite and >= 0."""
    rng = np.random.default_rng(seed)
    periods, n_stores, n_skus = shape
    raw = rng.poisson(rng.gamma(1.0, 10.0, (1, n_stores, n_skus)), shape).astype(float)
    raw[rng.random(shape) < 0.05] = np.nan
    negative = rng.random(shape) < 0.05
    raw[negative] = -rng.integers(1, 4, negative.sum())
    spike = rng.random(shape) < 0.03
    raw[spike] *= 10
    present = rng.random(shape) > 0.1
    raw[0] = 1.0  # every series has a known value
    present[[0, -1]] = True  # and the grid spans all periods
    in_stock = rng.random(shape) > 0.1
    t, s, k = np.nonzero(present)
    frame = pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(t, unit="D"),
            "store": s,
            "sku": k,
            "quantity": raw[t, s, k],
            "in_stock": in_stock[t, s, k],
        }
    )
    cleaning = CleaningSettings(
        closed_days=closed_days,
        impute=impute,
        impute_weeks=weeks,
        outliers=outliers,
        outlier_threshold=threshold,
        stockouts=stockouts,
    )
    history = clean_sales(sales_from_frame(frame), cleaning)
    assert history.demand.shape == shape
    assert np.isfinite(history.demand).all() and (history.demand >= 0).all()
    raw = np.where(present, raw, np.nan)
    np.testing.assert_array_equal(history.raw, raw)

    closed = np.repeat(history.closed[:, :, None], n_skus, axis=2)
    known = present & ~np.isnan(raw)
    eligible = known & ~closed & in_stock
    flagged = np.zeros(shape, dtype=bool)
    if outliers != "keep":  # the documented rule, through the public kernel
        mask, _, _ = find_outliers(
            np.maximum(raw, 0).reshape(periods, -1),
            eligible.reshape(periods, -1),
            7,
            weeks,
            threshold,
        )
        flagged = mask.reshape(shape)
    untouched = eligible & (raw >= 0) & ~flagged
    np.testing.assert_array_equal(history.demand[untouched], raw[untouched])
    assert history.demand[untouched].sum() == raw[untouched].sum()
    np.testing.assert_array_equal(history.returns, np.fmax(-raw, 0))
