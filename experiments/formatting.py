"""How numbers are written in what people read: the run summary a run prints
(:mod:`experiments.run`) and the report (:mod:`experiments.report`).

Both write a missing value (None, NaN) as ``-`` and a number with a few significant
digits; the report writes its tables in words where a number would mislead (``yes``/``no``
for a flag, whole numbers whole, names as they are), while the run summary formats every
cell as a number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["format_value"]


def format_value(x: Any, digits: int = 6, *, words: bool = False) -> str:
    """``x`` with ``digits`` significant digits, ``-`` when missing. With ``words`` a
    boolean is ``yes`` or ``no``, an integer is written whole and anything but a number is
    its own text; without, every value is formatted as a number (``{x:.6g}``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if words:
        if isinstance(x, bool | np.bool_):
            return "yes" if x else "no"
        if isinstance(x, int | np.integer):
            return str(int(x))
        if not isinstance(x, float | np.floating):
            return str(x)
    return f"{x:.{digits}g}"
