"""sim.params: numbers and per-SKU lists from the configuration, with errors naming them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.params import as_array, check, per_sku, show, whole_periods


def test_show_writes_whole_numbers_without_a_trailing_zero() -> None:
    assert show(3.0) == "3"
    assert show(2.5) == "2.5"
    assert show(float("inf")) == "inf"


def test_as_array_takes_a_number_or_a_flat_list() -> None:
    assert as_array("demand", "mean", 2).ndim == 0
    np.testing.assert_array_equal(as_array("demand", "mean", [1, 2.5]), [1.0, 2.5])
    for bad, message in (
        (True, r"demand mean\(=True\) must be a number or a list of numbers"),
        (None, r"demand mean\(=None\) must be a number or a list of numbers"),
        ([], r"demand mean\(=\[\]\) must not be empty"),
        ("a", r"demand mean\(='a'\) must be a number or a list of numbers"),
        ([[1], [2]], r"demand mean\(=\[\[1\], \[2\]\]\) must be a number or a flat list"),
    ):
        with pytest.raises(ValueError, match=message):
            as_array("demand", "mean", bad)


def test_check_names_the_first_bad_sku() -> None:
    values = np.array([1.0, -2.0, -3.0])
    with pytest.raises(ValueError, match=r"demand mean\[1\]\(=-2\) must be > 0"):
        check("demand", "mean", values, values > 0, "> 0")
    with pytest.raises(ValueError, match=r"demand mean\(=-2\) must be > 0"):
        check("demand", "mean", np.array(-2.0), np.array(False), "> 0")
    check("demand", "mean", values, values < 5, "< 5")  # all good: no error


def test_per_sku_broadcasts_a_number_and_checks_a_list_length() -> None:
    np.testing.assert_array_equal(per_sku("demand", "mean", np.array(2.0), 3), [2.0] * 3)
    values = np.array([1.0, 2.0])
    out = per_sku("demand", "mean", values, 2)
    out[0] = 9.0
    assert values[0] == 1.0  # a copy
    with pytest.raises(ValueError, match=r"demand mean has 2 per-SKU values but the network"):
        per_sku("demand", "mean", values, 3)


def test_whole_periods_accepts_whole_numbers_at_least_low() -> None:
    assert whole_periods("lead", 2.0).dtype == np.int64
    np.testing.assert_array_equal(whole_periods("lead", [1, 3]), [1, 3])
    with pytest.raises(ValueError, match=r"lead\[1\]\(=1.5\) must be a whole number"):
        whole_periods("lead", [1, 1.5])
    with pytest.raises(ValueError, match=r"lead\(=0\) must be a whole number of periods >= 1"):
        whole_periods("lead", 0)
    with pytest.raises(ValueError, match=r"lead\(=True\) must be whole numbers"):
        whole_periods("lead", True)
