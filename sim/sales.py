"""Sales history from an ERP or point-of-sale export: read it, check it, put it on a grid.

A sales export is a long table with one row per date, store and SKU (or one per
transaction) holding the quantity sold. :func:`read_sales` reads it from CSV (``.csv``,
``.csv.gz``, ``.txt``; the separator ``,``, ``;``, tab or ``|`` is taken from the header
line) or Parquet (``.parquet``, ``.pq``) and returns a :class:`SalesTable`: the same rows
with canonical column names and types, one row per period, store and SKU. Cleaning
(closed days, returns, outliers, stock-outs, gaps) is :mod:`sim.cleaning`'s job.

Columns. The canonical columns are ``date``, ``sku``, ``quantity`` (required), ``store``
(absent: one store named ``"all"``), and the optional ``in_stock`` and ``closed`` flags and
``returns`` quantity. Each is taken from the column the user names in ``demand.columns``,
or else the first of :data:`DEFAULT_COLUMNS` present (names match ignoring case and
surrounding spaces). Calendar columns (:data:`CALENDAR_COLUMNS`: weekday, month, ...) are
never read: the calendar is rebuilt from the dates (published ones are often wrong; the
bakery data's ``weekday`` is one day off). Every other numeric or boolean column is an
exogenous regressor (``exog="auto"``), or only those listed. Store and SKU labels are
strings: a number read from Parquet, 2, becomes ``"2"``; CSV labels are kept as written
(``"007"`` stays ``"007"``).

Periods. Daily (``D``) or weekly (``W-MON`` .. ``W-SUN``: weeks that *start* on that day
and are dated by it, so the dates of a grid are ``pd.date_range(first, last, freq=...)``).
Without ``freq`` the most common gap between consecutive distinct dates decides: one day
is daily, seven days weekly starting on the weekday of the first date. ``W`` alone also
anchors on the first date's weekday. Rows are summed into periods (dates floored to the
period start) when timestamps carry a time of day (a transaction log) or when ``freq`` is
coarser than the data (daily rows, weekly periods). Summing keeps a period's quantity
missing only when all its rows are; the period is out of stock when any row is, closed
when all rows are; exogenous values are averaged. Two rows with the same plain date,
store and SKU are an error unless ``duplicates="sum"``.

Values. Quantities may be fractional or missing (NaN: imputed later); negative
quantities are returns and are kept for cleaning to split off. Flags read 0/1,
true/false or yes/no in any case; a missing flag is "not flagged" (in stock, open).

Errors. Every problem with the data raises :class:`SalesError` with one line naming the
file, the column, the row and the value. Rows are numbered as data rows in the file:
row 1 is the first row after the header line (blank lines are not counted); for Parquet
and data frames, the 1-based position of the row.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CALENDAR_COLUMNS",
    "DEFAULT_COLUMNS",
    "SalesError",
    "SalesTable",
    "natural_key",
    "read_sales",
    "sales_from_frame",
]

#: Canonical column name -> source names tried in order (ignoring case).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "ds"),
    "sku": ("sku", "item", "unique_id", "product"),
    "store": ("store", "location"),
    "quantity": ("quantity", "sales", "y", "demand"),
    "in_stock": ("in_stock",),
    "closed": ("closed", "store_closed"),
    "returns": ("returns",),
}
REQUIRED = ("date", "sku", "quantity")
#: Calendar columns a table may carry; never read (the calendar is rebuilt from dates).
CALENDAR_COLUMNS = ("weekday", "day_of_week", "dow", "month", "year", "week", "day")
DUPLICATES = ("error", "sum")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SINGLE_STORE = "all"

_DAY_NS = 86_400 * 10**9
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


class SalesError(ValueError):
    """Bad input data; ONE line naming the file, column, row and value where they apply."""


@dataclass(frozen=True)
class SalesTable:
    """A sales export on its period grid, one row per (date, store, sku).

    ``frame`` columns, in this order: ``date`` (datetime64[ns], the period start),
    ``store`` and ``sku`` (str), ``quantity`` (float64, NaN = missing, negative = returned),
    ``in_stock`` and ``closed`` (bool, only when the export has them), ``returns``
    (float64, only when it has them), then the exogenous columns (float64, NaN allowed).
    Rows are sorted by date, store and SKU (labels in :func:`natural_key` order).
    """

    frame: pd.DataFrame
    freq: str  # "D" or "W-MON" .. "W-SUN"
    source: str  # the path as given
    exog: tuple[str, ...]
    dropped: tuple[str, ...]  # calendar columns present and ignored
    n_rows_read: int  # data rows in the file, before summing into periods


def natural_key(label: str) -> tuple:
    """Sort key putting numbers in numeric order: ``"2" < "10" < "a2" < "a10"``."""
    parts = re.split(r"(\d+)", label)
    return tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts)) + (label,)


# ---------------------------------------------------------------------------- arguments


def _check_freq(freq: str | None) -> str | None:
    if freq is None:
        return None
    text = str(freq).strip().upper()
    if text in ("D", "W") or (text[:2] == "W-" and text[2:] in WEEKDAYS):
        return text
    raise SalesError(
        f"demand.freq(={freq!r}) must be D (daily), W (weekly) or W-MON .. W-SUN "
        f"(weeks starting on that day)"
    )


def _check_duplicates(duplicates: str) -> str:
    if duplicates not in DUPLICATES:
        raise SalesError(f"demand.duplicates(={duplicates!r}) must be error or sum")
    return duplicates


def _check_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    mapping = dict(columns or {})
    for key, source in mapping.items():
        if key not in DEFAULT_COLUMNS:
            raise SalesError(
                f"demand.columns.{key}: unknown key; valid keys are {', '.join(DEFAULT_COLUMNS)}"
            )
        if not isinstance(source, str) or not source.strip():
            raise SalesError(f"demand.columns.{key}(={source!r}) must be a column name")
    return mapping


def _check_exog(exog: Sequence[str] | str | None) -> list[str] | None:
    """None means "auto"."""
    if isinstance(exog, str):
        return None if exog == "auto" else [exog]
    if exog is None:
        return []
    names = list(exog)
    for name in names:
        if not isinstance(name, str):
            raise SalesError(f"demand.exog: {name!r} is not a column name")
    return names


# ---------------------------------------------------------------------------- files


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    raise SalesError(
        f"demand.path(={str(path)!r}): unknown file type; use "
        f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}"
    )


def _csv_header(path: Path) -> tuple[str, list[str]]:
    """The separator and the column names of a CSV file."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline()
    except (OSError, EOFError) as error:
        raise SalesError(f"{path.name}: cannot read: {_one_line(error)}") from None
    if not first.strip():
        raise SalesError(f"{path.name}: empty file (no header line)")
    sep = max((",", ";", "\t", "|"), key=first.count)
    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig")
    except Exception as error:  # the reader's many error types
        raise SalesError(f"{path.name}: cannot read as CSV: {_one_line(error)}") from None
    return sep, [str(c) for c in header.columns]


def _read_file(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    if _kind(path) == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as error:  # pyarrow's many error types
            raise SalesError(f"{path.name}: cannot read as Parquet: {_one_line(error)}") from None
    sep, names = _csv_header(path)
    # Labels and dates as text: "007" stays "007", and dates are parsed once, by us.
    found = _resolve(names, columns, path.name)
    text = {found[k]: str for k in ("date", "sku", "store") if k in found}
    try:
        return pd.read_csv(path, sep=sep, dtype=text, encoding="utf-8-sig", low_memory=False)
    except Exception as error:
        raise SalesError(f"{path.name}: cannot read as CSV: {_one_line(error)}") from None


# ---------------------------------------------------------------------------- columns


def _resolve(names: Sequence[str], columns: dict[str, str], where: str) -> dict[str, str]:
    """Canonical name -> source column, from the user's mapping or the defaults."""
    lower: dict[str, str] = {}
    for name in names:
        lower.setdefault(name.strip().lower(), name)
    listing = ", ".join(names)
    found: dict[str, str] = {}
    for key, source in columns.items():
        if source in names:
            found[key] = source
        elif source.strip().lower() in lower:
            found[key] = lower[source.strip().lower()]
        else:
            raise SalesError(
                f"demand.columns.{key}(={source!r}): no such column in {where}; "
                f"columns are {listing}"
            )
    taken = set(found.values())
    for key, candidates in DEFAULT_COLUMNS.items():
        if key in found:
            continue
        for candidate in candidates:
            column = lower.get(candidate)
            if column is not None and column not in taken:
                found[key] = column
                taken.add(column)
                break
        else:
            if key in REQUIRED:
                raise SalesError(
                    f"{where}: no {key} column (looked for {', '.join(candidates)}); "
                    f"columns are {listing}; set demand.columns.{key}"
                )
    sources = list(found.values())
    for key, source in found.items():
        if sources.count(source) > 1:
            others = [k for k, s in found.items() if s == source and k != key]
            raise SalesError(
                f"demand.columns.{key}(={source!r}): column {source!r} of {where} is "
                f"already the {others[0]} column"
            )
    return found


def _numeric(kind: Any) -> bool:
    return pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)


def _exog_names(
    frame: pd.DataFrame, found: dict[str, str], wanted: list[str] | None, where: str
) -> tuple[list[str], list[str]]:
    """(exogenous columns, dropped calendar columns)."""
    used = set(found.values())
    names = [str(c) for c in frame.columns]
    calendar = [n for n in names if n not in used and n.strip().lower() in CALENDAR_COLUMNS]
    if wanted is None:  # a spare column named like a canonical one would be confusing
        exog = [
            n
            for n in names
            if n not in used
            and n not in calendar
            and n not in DEFAULT_COLUMNS
            and _numeric(frame[n].dtype)
        ]
        return exog, calendar
    for name in wanted:
        if name not in names:
            raise SalesError(
                f"demand.exog: no column {name!r} in {where}; columns are {', '.join(names)}"
            )
        if name in used:
            key = next(k for k, s in found.items() if s == name)
            raise SalesError(f"demand.exog: {name!r} is the {key} column of {where}")
        if name in DEFAULT_COLUMNS:
            raise SalesError(
                f"demand.exog: column {name!r} of {where} has the name of a canonical "
                f"column; rename it in the file"
            )
    return list(dict.fromkeys(wanted)), [n for n in calendar if n not in wanted]


# ---------------------------------------------------------------------------- values


def _show(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return repr(str(int(value)))
    return repr(str(value))


def _bad(where: str, column: str, row: int, value: Any, what: str) -> SalesError:
    return SalesError(f"{where}, column {column!r}, row {row + 1}: {_show(value)} {what}")


def _missing(where: str, column: str, row: int) -> SalesError:
    return SalesError(f"{where}, column {column!r}, row {row + 1}: missing value")


def _as_float(values: pd.Series, column: str, where: str) -> np.ndarray:
    """Numbers as float64 (missing -> NaN), or an error naming the first bad row."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(numbers) & values.notna().to_numpy())
    for row in bad.tolist():  # blank text is missing, not wrong
        if str(values.iat[row]).strip():
            raise _bad(where, column, row, values.iat[row], "is not a number")
    return numbers


def _as_flag(values: pd.Series, column: str, where: str, missing: bool) -> np.ndarray:
    """0/1, true/false, yes/no as bool (missing -> ``missing``)."""
    if pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(dtype=bool)
    codes, uniques = pd.factorize(values)
    table = np.empty(len(uniques) + 1, dtype=bool)
    table[-1] = missing  # code -1
    for i, value in enumerate(uniques):
        text = str(value).strip().lower()
        if isinstance(value, float | np.floating) and float(value).is_integer():
            text = str(int(value))
        if text in _TRUE:
            table[i] = True
        elif text in _FALSE:
            table[i] = False
        elif text == "":
            table[i] = missing
        else:
            row = int(np.flatnonzero(codes == i)[0])
            raise _bad(where, column, row, value, "is not a flag (use 0/1, true/false or yes/no)")
    return table[codes]


def _labels(values: pd.Series, column: str, where: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes and string labels in natural order; a missing label is an error."""
    codes, uniques = pd.factorize(values)
    if codes.size and codes.min() < 0:
        raise _missing(where, column, int(np.flatnonzero(codes < 0)[0]))
    text = []
    for value in uniques:
        if isinstance(value, float | np.floating) and float(value).is_integer():
            text.append(str(int(value)))
        else:
            text.append(str(value).strip())
    blank = [i for i, t in enumerate(text) if not t]
    if blank:
        raise _missing(where, column, int(np.flatnonzero(codes == blank[0])[0]))
    labels = sorted(set(text), key=natural_key)
    rank = {label: i for i, label in enumerate(labels)}
    remap = np.array([rank[t] for t in text], dtype=np.int64)
    return remap[codes], labels


def _as_dates(values: pd.Series, column: str, where: str) -> np.ndarray:
    """Timestamps as int64 nanoseconds (naive, local time)."""
    if pd.api.types.is_integer_dtype(values.dtype):  # 20160102
        values = values.astype(str)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = values
    else:
        try:
            parsed = pd.to_datetime(values, errors="coerce")
        except (ValueError, TypeError, OverflowError):  # mixed time zones and the like
            parsed = pd.to_datetime(values, errors="coerce", utc=True)
        bad = np.flatnonzero(parsed.isna().to_numpy() & values.notna().to_numpy())
        if bad.size:  # the format was inferred from the first value; allow ISO variants
            retry = pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True)
            if retry.isna().sum() < parsed.isna().sum():
                parsed = retry
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        bad = np.flatnonzero(parsed.isna().to_numpy() & values.notna().to_numpy())
        if bad.size:
            row = int(bad[0])
            value = values.iat[row]
            if str(value).strip():
                raise _bad(where, column, row, value, "is not a date")
    stamps = parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)
    missing = np.flatnonzero(stamps == np.iinfo(np.int64).min)
    if missing.size:
        raise _missing(where, column, int(missing[0]))
    return stamps


# ---------------------------------------------------------------------------- periods


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _day_label(day: np.int64) -> str:
    return str(pd.Timestamp(int(day) * _DAY_NS).date())


def _modal_gap(days: np.ndarray) -> int | None:
    """The most common gap in days between consecutive distinct dates (the smallest on ties)."""
    distinct = np.unique(days)
    if distinct.size < 2:
        return None
    gaps, counts = np.unique(np.diff(distinct), return_counts=True)
    return int(gaps[np.argmax(counts)])


def _anchored(days: np.ndarray) -> str:
    """Weekly periods starting on the weekday of the first date."""
    return "W-" + WEEKDAYS[int(_weekday(days.min()))]


def _choose_freq(freq: str | None, days: np.ndarray, where: str) -> str:
    """The period of the grid: as given (``W`` anchored on the first date) or inferred."""
    if freq == "W":
        return _anchored(days)
    gap = _modal_gap(days)
    if freq == "D" and gap is not None and gap >= 7:
        raise SalesError(
            f"demand.freq(='D') is finer than the data of {where}, whose dates are "
            f"{gap} days apart; use demand.freq=W or leave it unset"
        )
    if freq is not None:
        return freq
    if gap is None:
        raise SalesError(
            f"{where}: only one date ({_day_label(days[0])}), so the frequency cannot be "
            f"inferred; set demand.freq to D or W-MON .. W-SUN"
        )
    if gap == 1:
        return "D"
    if gap == 7:
        return _anchored(days)
    raise SalesError(
        f"{where}: the most common gap between dates is {gap} days, neither daily nor "
        f"weekly; set demand.freq to D or W-MON .. W-SUN"
    )


def _period_start(days: np.ndarray, freq: str) -> np.ndarray:
    """Days (since 1970-01-01) floored to the start of their period."""
    if freq == "D":
        return days
    anchor = WEEKDAYS.index(freq[2:])
    return days - (_weekday(days) - anchor) % 7


# ---------------------------------------------------------------------------- assembly


def _group_sum(order: np.ndarray, starts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum per group, NaN only when every value of the group is NaN."""
    sorted_values = values[order]
    present = ~np.isnan(sorted_values)
    total = np.add.reduceat(np.where(present, sorted_values, 0.0), starts)
    count = np.add.reduceat(present.astype(np.int64), starts)
    return np.where(count > 0, total, np.nan)


def _group_mean(order: np.ndarray, starts: np.ndarray, values: np.ndarray) -> np.ndarray:
    sorted_values = values[order]
    present = ~np.isnan(sorted_values)
    total = np.add.reduceat(np.where(present, sorted_values, 0.0), starts)
    count = np.add.reduceat(present.astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _first_duplicate(
    key: np.ndarray, order: np.ndarray, starts: np.ndarray
) -> tuple[int, int] | None:
    sizes = np.diff(np.append(starts, key.size))
    groups = np.flatnonzero(sizes > 1)
    if not groups.size:
        return None
    # the duplicate pair whose second row comes first in the file
    firsts = order[starts[groups]]
    seconds = order[starts[groups] + 1]
    best = int(np.argmin(seconds))
    return int(firsts[best]), int(seconds[best])


def sales_from_frame(
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    columns: Mapping[str, str] | None = None,
    freq: str | None = None,
    duplicates: str = "error",
    exog: Sequence[str] | str = "auto",
) -> SalesTable:
    """A :class:`SalesTable` from a data frame already in memory (see :func:`read_sales`).

    ``source`` names the data in messages and in the table.
    """
    mapping = _check_columns(columns)
    return _assemble(
        frame,
        source=source,
        where=Path(source).name or source,
        columns=mapping,
        freq=_check_freq(freq),
        duplicates=_check_duplicates(duplicates),
        wanted=_check_exog(exog),
    )


def read_sales(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    freq: str | None = None,
    duplicates: str = "error",
    exog: Sequence[str] | str = "auto",
) -> SalesTable:
    """Read a sales export (CSV or Parquet) into a :class:`SalesTable`.

    Parameters (the YAML keys ``demand.<key>``):
        path: the file; ``.csv``, ``.csv.gz``, ``.txt`` (CSV) or ``.parquet``, ``.pq``.
        columns: canonical name -> column of the file, for the columns the defaults
            (:data:`DEFAULT_COLUMNS`) do not find; keys ``date, sku, store, quantity,
            in_stock, closed, returns``.
        freq: ``D``, ``W`` or ``W-MON`` .. ``W-SUN``; None infers it from the dates.
        duplicates: ``error`` (two rows with the same plain date, store and SKU are an
            error) or ``sum`` (they are added up). Timestamps with a time of day are
            always summed into their day.
        exog: ``auto`` (every other numeric or boolean column that is not a calendar
            column) or a list of column names.

    Raises :class:`SalesError` (a ValueError) with a one-line message naming the file,
    column, row (1 = the first data row after the header) and value.
    """
    mapping = _check_columns(columns)
    freq = _check_freq(freq)
    duplicates = _check_duplicates(duplicates)
    wanted = _check_exog(exog)
    file = Path(path)
    if not file.is_file():
        raise SalesError(f"demand.path(={str(path)!r}): no such file")
    frame = _read_file(file, mapping)
    return _assemble(
        frame,
        source=str(path),
        where=file.name,
        columns=mapping,
        freq=freq,
        duplicates=duplicates,
        wanted=wanted,
    )


def _assemble(
    frame: pd.DataFrame,
    *,
    source: str,
    where: str,
    columns: dict[str, str],
    freq: str | None,
    duplicates: str,
    wanted: list[str] | None,
) -> SalesTable:
    frame = frame.rename(columns=str)
    if frame.columns.has_duplicates:
        name = frame.columns[frame.columns.duplicated()][0]
        raise SalesError(f"{where}: column {name!r} appears twice")
    found = _resolve(list(frame.columns), columns, where)
    if len(frame) == 0:
        raise SalesError(f"{where}: no data rows")
    exog, dropped = _exog_names(frame, found, wanted, where)
    n_rows = len(frame)

    stamps = _as_dates(frame[found["date"]], found["date"], where)
    sku_codes, skus = _labels(frame[found["sku"]], found["sku"], where)
    if "store" in found:
        store_codes, stores = _labels(frame[found["store"]], found["store"], where)
    else:
        store_codes, stores = np.zeros(n_rows, dtype=np.int64), [SINGLE_STORE]
    values = {"quantity": _as_float(frame[found["quantity"]], found["quantity"], where)}
    flags: dict[str, np.ndarray] = {}
    for key, missing in (("in_stock", True), ("closed", False)):
        if key in found:
            flags[key] = _as_flag(frame[found[key]], found[key], where, missing)
    if "returns" in found:
        values["returns"] = _as_float(frame[found["returns"]], found["returns"], where)
    regressors = {name: _as_float(frame[name], name, where) for name in exog}

    days = np.floor_divide(stamps, _DAY_NS)
    timed = bool(np.any(stamps != days * _DAY_NS))
    n_stores, n_skus = len(stores), len(skus)
    series = store_codes * n_skus + sku_codes

    if not timed and duplicates == "error":
        key = days * (n_stores * n_skus) + series
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        pair = _first_duplicate(key, order, starts)
        if pair is not None:
            first, second = pair
            raise SalesError(
                f"{where}: rows {first + 1} and {second + 1} are both store "
                f"{stores[store_codes[first]]!r}, sku {skus[sku_codes[first]]!r}, date "
                f"{_day_label(days[first])}; set demand.duplicates=sum to add them up"
            )

    freq = _choose_freq(freq, days, where)
    periods = _period_start(days, freq)
    key = periods * (n_stores * n_skus) + series
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    first_rows = order[starts]

    if starts.size < n_rows:  # sum rows into periods
        values = {k: _group_sum(order, starts, v) for k, v in values.items()}
        # a period is in stock (open) only when all its rows are
        flags = {
            k: np.minimum.reduceat(v[order].astype(np.int8), starts).astype(bool)
            for k, v in flags.items()
        }
        regressors = {k: _group_mean(order, starts, v) for k, v in regressors.items()}
    else:
        values = {k: v[first_rows] for k, v in values.items()}
        flags = {k: v[first_rows] for k, v in flags.items()}
        regressors = {k: v[first_rows] for k, v in regressors.items()}
    _check_series(values["quantity"], sorted_key[starts] % (n_stores * n_skus), stores, skus, where)

    table: dict[str, Any] = {
        "date": (periods[first_rows] * _DAY_NS).astype("datetime64[ns]"),
        "store": pd.array(np.asarray(stores, dtype=object)[store_codes[first_rows]], dtype="str"),
        "sku": pd.array(np.asarray(skus, dtype=object)[sku_codes[first_rows]], dtype="str"),
        "quantity": values["quantity"],
        **{k: flags[k] for k in ("in_stock", "closed") if k in flags},
        **{k: values[k] for k in ("returns",) if k in values},
        **regressors,
    }
    result = pd.DataFrame(table)
    return SalesTable(
        frame=result,
        freq=freq,
        source=source,
        exog=tuple(exog),
        dropped=tuple(dropped),
        n_rows_read=n_rows,
    )


def _check_series(
    quantity: np.ndarray, series: np.ndarray, stores: list[str], skus: list[str], where: str
) -> None:
    """Every (store, sku) series needs at least one known quantity."""
    rows = np.bincount(series, minlength=len(stores) * len(skus))
    known = np.bincount(series, weights=~np.isnan(quantity), minlength=rows.size)
    empty = np.flatnonzero((rows > 0) & (known == 0))
    if empty.size:
        store, sku = divmod(int(empty[0]), len(skus))
        raise SalesError(
            f"{where}: every quantity of store {stores[store]!r}, sku {skus[sku]!r} is "
            f"missing ({int(rows[empty[0]])} rows); give at least one or drop the series"
        )
