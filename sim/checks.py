"""Shared predicates for validating parameters: "an integer, not a bool, at least ``low``"
and "a number, not a bool", written once (issue #13).

This module imports nothing from Stocklab beyond numpy, so :mod:`sim`, :mod:`policies`,
:mod:`forecasters` and :mod:`experiments` may all use it without an import cycle. The
predicates only answer yes or no: each caller keeps its own error message, except the
callers whose message is exactly :func:`check_int`'s.

``types`` says what counts: by default Python and numpy integers (:data:`INTEGER`) or
Python and numpy reals (:data:`NUMBER`); a caller that accepted only Python's ``int``, or
``int | float``, or :class:`numbers.Integral`, passes that. A bool never counts, whatever
``types`` says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Integers by default: Python's and numpy's (bool excluded by the predicates)
INTEGER = int | np.integer
#: Real numbers by default: Python's and numpy's integers and floats (bool excluded)
NUMBER = int | float | np.integer | np.floating


def is_int(value: Any, low: Any = None, *, types: Any = INTEGER) -> bool:
    """Whether ``value`` is an integer (an instance of ``types``, never a bool) and, when
    ``low`` is given, not below ``low``."""
    if isinstance(value, bool) or not isinstance(value, types):
        return False
    return low is None or not value < low


def is_number(value: Any, *, types: Any = NUMBER) -> bool:
    """Whether ``value`` is a number (an instance of ``types``, never a bool). NaN and
    infinities are numbers: a caller that refuses them says so in its own bounds."""
    return not isinstance(value, bool) and isinstance(value, types)


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` as an ``int >= low`` (numpy integers accepted, bools refused), or a
    ValueError ``"<name>(=<value!r>) must be an integer >= <low>"``."""
    if not is_int(value, low):
        raise ValueError(f"{name}(={value!r}) must be an integer >= {low}")
    return int(value)
