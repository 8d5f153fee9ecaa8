"""Reading sales exports: column detection, periods, aggregation and one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.sales import SalesError, read_sales, sales_from_frame


def write(tmp_path, text: str, name: str = "sales.csv"):
    path = tmp_path / name
    path.write_text(text.strip() + "\n")
    return path


def csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows])


def daily(n: int = 3, start: str = "2024-01-01") -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(start, periods=n, freq="D")]


def raises(match_all: list[str], fn, *args, **kwargs) -> str:
    with pytest.raises(SalesError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    for fragment in match_all:
        assert fragment in message, message
    return message


# ---------------------------------------------------------------------------- columns


def test_default_columns_found_and_calendar_dropped(tmp_path):
    rows = [f"{d},1,A,{i},MON,0.5" for i, d in enumerate(daily(4))]
    path = write(tmp_path, csv("Date,Store,Item,Sales,weekday,price", rows))
    table = read_sales(path)
    assert list(table.frame.columns) == ["date", "store", "sku", "quantity", "price"]
    assert table.exog == ("price",)
    assert table.dropped == ("weekday",)
    assert table.freq == "D"
    assert table.source == str(path)
    assert table.n_rows_read == 4
    assert table.frame["quantity"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert table.frame["date"].dtype == "datetime64[ns]"


def test_explicit_mapping_wins_over_calendar_and_defaults(tmp_path):
    rows = [f"{d},S{i % 2},X,{i},{10 * i}" for i, d in enumerate(daily(4))]
    path = write(tmp_path, csv("day,shop,article,quantity,units", rows))
    table = read_sales(
        path, columns={"date": "day", "store": "shop", "sku": "article", "quantity": "units"}
    )
    assert table.frame["quantity"].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert table.dropped == ()
    assert table.exog == ()  # a spare column named like a canonical one is not a regressor
    raises(["demand.exog: column 'quantity'", "canonical"], read_sales, path,
           columns={"date": "day", "store": "shop", "sku": "article", "quantity": "units"},
           exog=["quantity"])  # fmt: skip


def test_store_is_optional_and_labels_are_strings(tmp_path):
    path = write(tmp_path, csv("date,sku,y", [f"{d},007,{i}" for i, d in enumerate(daily(3))]))
    frame = read_sales(path).frame
    assert frame["store"].unique().tolist() == ["all"]
    assert frame["sku"].unique().tolist() == ["007"]  # CSV labels as written


def test_integer_labels_from_parquet_have_no_decimals(tmp_path):
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=4),
            "store": np.array([2, 10, 2, 10], dtype=np.int16),
            "product": [1.0, 1.0, np.nan, 1.0],  # floats because of a gap ...
            "demand": [1.0, 2.0, 3.0, 4.0],
        }
    )
    frame.loc[2, "product"] = 3.0  # ... that is filled again
    path = tmp_path / "sales.parquet"
    frame.to_parquet(path)
    table = read_sales(path, freq="D")
    assert sorted(table.frame["store"].unique()) == ["10", "2"]
    assert set(table.frame["sku"]) == {"1", "3"}
    assert table.frame["store"].tolist()[:2] == ["2", "10"]  # natural order within a date


def test_flags_returns_and_negative_fractional_quantities(tmp_path):
    rows = [
        "2024-01-01,A,1.5,1,no,2",
        "2024-01-02,A,-2,0,Yes,0",
        "2024-01-03,A,,TRUE,false,",
        "2024-01-04,A,3,,0,1",
    ]
    path = write(tmp_path, csv("date,sku,quantity,in_stock,closed,returns", rows))
    frame = read_sales(path).frame
    assert list(frame.columns) == [
        "date", "store", "sku", "quantity", "in_stock", "closed", "returns",
    ]  # fmt: skip
    np.testing.assert_array_equal(frame["quantity"], [1.5, -2.0, np.nan, 3.0])
    assert frame["in_stock"].tolist() == [True, False, True, True]  # missing: in stock
    assert frame["closed"].tolist() == [False, True, False, False]
    np.testing.assert_array_equal(frame["returns"], [2.0, 0.0, np.nan, 1.0])


def test_explicit_exog_list_and_auto_skips_text(tmp_path):
    rows = [f"{d},A,{i},{i / 2},red,{i % 2}" for i, d in enumerate(daily(4))]
    path = write(tmp_path, csv("date,sku,sales,price,colour,promo", rows))
    assert read_sales(path).exog == ("price", "promo")
    table = read_sales(path, exog=["promo"])
    assert table.exog == ("promo",)
    assert "price" not in table.frame
    assert table.frame["promo"].dtype == np.float64


# ---------------------------------------------------------------------------- periods


def test_weekly_frequency_inferred_from_dates():
    dates = pd.date_range("2024-01-03", periods=5, freq="7D")  # Wednesdays
    frame = pd.DataFrame({"date": dates, "sku": "A", "quantity": 1.0})
    table = sales_from_frame(frame)
    assert table.freq == "W-WED"
    assert (table.frame["date"] == dates).all()


def test_daily_to_weekly_sums_into_weeks_anchored_on_first_date():
    frame = pd.DataFrame(
        {"date": pd.date_range("2024-01-03", periods=10), "sku": "A", "quantity": np.arange(10.0)}
    )
    table = sales_from_frame(frame, freq="W")
    assert table.freq == "W-WED"
    assert table.frame["date"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-10")]
    assert table.frame["quantity"].tolist() == [21.0, 24.0]  # 0+..+6, 7+8+9
    monday = sales_from_frame(frame, freq="w-mon")
    assert monday.freq == "W-MON"
    # Wed 3 .. Sun 7 -> Mon 1; Mon 8 .. Fri 12 -> Mon 8
    assert monday.frame["date"].dt.day.tolist() == [1, 8]
    assert monday.frame["quantity"].tolist() == [10.0, 35.0]


def test_transactions_with_times_sum_into_days(tmp_path):
    rows = [
        "2024-01-01 09:15:00,1,A,2",
        "2024-01-01 17:40:00,1,A,3",
        "2024-01-01 18:00:00,1,B,1",
        "2024-01-02 08:00:00,1,A,-1",
        "2024-01-03,1,A,4",  # a plain date among timestamps
    ]
    table = read_sales(write(tmp_path, csv("ds,store,sku,sales", rows)))
    assert table.freq == "D"
    assert table.n_rows_read == 5
    got = table.frame.set_index(["date", "sku"])["quantity"]
    assert got[(pd.Timestamp("2024-01-01"), "A")] == 5.0
    assert got[(pd.Timestamp("2024-01-01"), "B")] == 1.0
    assert got[(pd.Timestamp("2024-01-02"), "A")] == -1.0
    assert len(table.frame) == 4


def test_duplicates_error_names_rows_and_sum_adds_them(tmp_path):
    rows = ["2024-01-01,1,A,2", "2024-01-02,1,A,3", "2024-01-01,1,A,4", "2024-01-03,1,A,1"]
    path = write(tmp_path, csv("date,store,sku,quantity", rows))
    raises(
        ["sales.csv: rows 1 and 3", "store '1'", "sku 'A'", "2024-01-01", "demand.duplicates=sum"],
        read_sales,
        path,
    )
    table = read_sales(path, duplicates="sum")
    assert table.frame["quantity"].tolist() == [6.0, 3.0, 1.0]


# ---------------------------------------------------------------------------- errors


def test_missing_file():
    raises(["demand.path(='x.csv'): no such file"], read_sales, "x.csv")


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        (
            {"columns": {"quantity": "units"}},
            [
                "demand.columns.quantity(='units'): no such column in sales.csv; "
                "columns are date, sku, store, quantity"
            ],
        ),
        ({"columns": {"qty": "quantity"}}, ["demand.columns.qty: unknown key", "store, quantity"]),
        ({"freq": "M"}, ["demand.freq(='M')", "W-MON"]),
        ({"duplicates": "mean"}, ["demand.duplicates(='mean')", "error or sum"]),
        ({"exog": ["price"]}, ["demand.exog: no column 'price' in sales.csv"]),
        ({"exog": ["quantity"]}, ["'quantity' is the quantity column"]),
    ],
)
def test_bad_arguments(tmp_path, kwargs, fragments):
    rows = [f"{d},A,1,{i}" for i, d in enumerate(daily(3))]
    path = write(tmp_path, csv("date,sku,store,quantity", rows))
    raises(fragments, read_sales, path, **kwargs)


@pytest.mark.parametrize(
    ("header", "rows", "fragments"),
    [
        (
            "date,store,quantity",
            ["2024-01-01,1,3"],
            ["sales.csv: no sku column", "columns are date, store, quantity", "demand.columns.sku"],
        ),
        (
            "date,sku,quantity",
            ["2024-01-01,A,1", "2016-13-45,A,2"],
            ["sales.csv, column 'date', row 2: '2016-13-45' is not a date"],
        ),
        (
            "date,sku,sales",
            ["2024-01-01,A,1", "2024-01-02,A,2", "2024-01-03,A,abc"],
            ["sales.csv, column 'sales', row 3: 'abc' is not a number"],
        ),
        (
            "date,sku,quantity,in_stock",
            ["2024-01-01,A,1,1", "2024-01-02,A,2,maybe"],
            ["sales.csv, column 'in_stock', row 2: 'maybe' is not a flag"],
        ),
        (
            "date,sku,quantity,in_stock",
            ["2024-01-01,A,1,1", "2024-01-02,A,2,2"],
            ["column 'in_stock', row 2: '2' is not a flag"],
        ),
        (
            "date,sku,quantity,price",
            ["2024-01-01,A,1,1.5", "2024-01-02,A,2,cheap"],
            [],  # auto: a text column is not a regressor
        ),
        (
            "date,sku,quantity",
            ["2024-01-01,A,1", "2024-01-02,B,", "2024-01-03,B,"],
            ["sales.csv: every quantity of store 'all', sku 'B' is missing"],
        ),
        (
            "date,sku,quantity",
            ["2024-01-01,A,1", "2024-01-04,A,2", "2024-01-07,A,2"],
            ["most common gap between dates is 3 days", "demand.freq"],
        ),
        (
            "date,sku,quantity",
            ["2024-01-01,A,1", "2024-01-01,B,2"],
            ["only one date (2024-01-01)", "demand.freq"],
        ),
        ("date,sku,quantity", [], ["sales.csv: no data rows"]),
        (
            "date,sku,quantity",
            ["2024-01-01,A,1", "2024-01-02,,2"],
            ["sales.csv, column 'sku', row 2: missing value"],
        ),
    ],
)
def test_bad_data(tmp_path, header, rows, fragments):
    path = write(tmp_path, csv(header, rows))
    if not fragments:
        assert read_sales(path).exog == ()
        with pytest.raises(SalesError, match="row 2: 'cheap' is not a number"):
            read_sales(path, exog=["price"])
        return
    raises(fragments, read_sales, path)


def test_daily_frequency_finer_than_weekly_data_is_refused():
    frame = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=4, freq="7D"), "sku": "A", "quantity": 1.0}
    )
    raises(["demand.freq(='D') is finer than the data", "7 days apart"], sales_from_frame, frame,
           freq="D")  # fmt: skip


def test_unreadable_files(tmp_path):
    raises(["sales.csv: empty file"], read_sales, write(tmp_path, ""))
    garbage = tmp_path / "sales.parquet"
    garbage.write_text("this is not parquet\nat all\n")
    raises(["sales.parquet: cannot read as Parquet"], read_sales, garbage)
    raises(["demand.path(=", "unknown file type"], read_sales, write(tmp_path, "a", "sales.xlsx"))


def test_semicolon_separated_gzip(tmp_path):
    path = tmp_path / "sales.csv.gz"
    frame = pd.DataFrame({"date": daily(3), "sku": "A", "quantity": [1, 2, 3]})
    frame.to_csv(path, sep=";", index=False)
    assert read_sales(path).frame["quantity"].tolist() == [1.0, 2.0, 3.0]
