"""experiments.formatting: one way to write numbers, in the run summary and the report."""

from __future__ import annotations

import math

import numpy as np

from experiments.formatting import format_value
from experiments.report import _fmt


def test_missing_values_are_a_dash_and_numbers_have_significant_digits() -> None:
    for words in (False, True):
        assert format_value(None, words=words) == "-"
        assert format_value(math.nan, words=words) == "-"
        assert format_value(np.float64("nan"), words=words) == "-"
    assert format_value(3.14159265) == "3.14159"
    assert format_value(3.14159265, 3) == "3.14"


def test_the_summary_writes_every_value_as_a_number_the_report_in_words() -> None:
    assert format_value(True) == "1"
    assert format_value(True, words=True) == "yes"
    assert format_value(np.bool_(False), words=True) == "no"
    assert format_value(1234567) == "1.23457e+06"
    assert format_value(1234567, words=True) == "1234567"
    assert format_value("fifo", words=True) == "fifo"


def test_the_report_formats_with_four_digits_in_words() -> None:
    assert _fmt(2.718281828) == "2.718"
    assert _fmt(2.718281828, 2) == "2.7"
    assert _fmt(np.int64(12)) == "12"
    assert _fmt(None) == "-"
