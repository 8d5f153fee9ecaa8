"""Shared predicates for validating parameters: "an integer, not a bool, at least ``low``"
and "a number, not a bool", written once (issue #13).

This module imports nothing from Stocklab beyond numpy and :mod:`sim.params` (which imports
numpy alone), so :mod:`sim`, :mod:`policies`, :mod:`forecasters` and :mod:`experiments` may
all use it without an import cycle. The predicates only answer yes or no: each caller keeps
its own error message, except the callers whose message is exactly :func:`check_int`'s.

:class:`Section` binds :mod:`sim.params`' checks of numeric model parameters to the name of
one configuration section ("demand", "lead_time"), so that the demand families and the
lead-time models share one set of validators instead of each wrapping the same three
functions.

``types`` says what counts: by default Python and numpy integers (:data:`INTEGER`) or
Python and numpy reals (:data:`NUMBER`); a caller that accepted only Python's ``int``, or
``int | float``, or :class:`numbers.Integral`, passes that. A bool never counts, whatever
``types`` says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim import params

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


def is_whole(value: Any, low: Any = None) -> bool:
    """Whether ``value`` is a whole number (an int, or a number equal to its ``int``, so
    ``3.0`` counts), never a bool, and, when ``low`` is given, not below ``low``. The
    counts and period indices of the demand and lead-time models take whole floats, unlike
    :func:`is_int`; a value ``int()`` cannot convert (NaN, a string) raises its error."""
    if isinstance(value, bool) or int(value) != value:
        return False
    return low is None or not value < low


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` as an ``int >= low`` (numpy integers accepted, bools refused), or a
    ValueError ``"<name>(=<value!r>) must be an integer >= <low>"``."""
    if not is_int(value, low):
        raise ValueError(f"{name}(={value!r}) must be an integer >= {low}")
    return int(value)


class Section:
    """The checks of the numeric parameters of one configuration section (``"demand"``,
    ``"lead_time"``): :mod:`sim.params`' functions with the section's name bound, so every
    message starts with it (``demand mean[3](=-2) must be > 0``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def array(self, key: str, value: Any) -> np.ndarray:
        """A number (0-d) or a flat list (1-d) as float64 (:func:`sim.params.as_array`)."""
        return params.as_array(self.name, key, value)

    def check(self, key: str, arr: np.ndarray, ok: np.ndarray, rule: str) -> None:
        """Refuse the first value of ``arr`` failing ``ok`` (:func:`sim.params.check`)."""
        params.check(self.name, key, arr, ok, rule)

    def per_sku(self, key: str, arr: np.ndarray, n_skus: int) -> np.ndarray:
        """``arr`` broadcast to ``(n_skus,)`` (:func:`sim.params.per_sku`)."""
        return params.per_sku(self.name, key, arr, n_skus)

    def positive(self, key: str, value: Any) -> np.ndarray:
        """Finite numbers > 0, one or one per SKU."""
        arr = self.array(key, value)
        self.check(key, arr, np.isfinite(arr) & (arr > 0), "> 0")
        return arr

    def non_negative(self, key: str, value: Any) -> np.ndarray:
        """Finite numbers >= 0, one or one per SKU."""
        arr = self.array(key, value)
        self.check(key, arr, np.isfinite(arr) & (arr >= 0), ">= 0")
        return arr
