"""The table path of :func:`sim.demand.poisson_inversion.poisson_inverse`, compiled by numba.

Per SKU column: the CDF table over its window, then, for each of its periods, the
smallest point ``x`` with ``u < cdf[x]``, found from a guide table (Chen & Asau 1974) and a
few steps up. The table is computed by the same floating-point operations, in the same
order, as the numpy formulation it replaces (pmf ratios ``mean / (lo + x)``, their running
product, its running sum, division by the window total, plus the mass below the window),
so the draws are the same bit for bit; numba compiles the loops as written (no fast-math).

Columns are taken in groups of :data:`GROUP`: their tables and guides (a few tens of kB)
stay in cache while the group's rows of uniforms are read period by period, in memory
order. The machine code is cached on disk (``__pycache__``), so only a fresh checkout's
first run compiles (about a second).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["GROUP", "invert_tables"]

#: Columns whose tables are built and used together.
GROUP = 64


def _jit(func):
    try:
        return numba.njit(cache=True, error_model="numpy")(func)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return numba.njit(error_model="numpy")(func)


@_jit
def _invert(mean, low, width, cells, below, u, group, out):  # pragma: no cover - compiled
    n_periods, n_cols = u.shape
    group = max(1, min(group, n_cols))
    max_width = 1
    max_cells = 1
    for j in range(n_cols):
        max_width = max(max_width, width[j])
        max_cells = max(max_cells, cells[j])
    tables = np.empty((group, max_width))
    guides = np.empty((group, max_cells + 1), dtype=np.int64)
    n_below = 0
    for first in range(0, n_cols, group):
        last = min(first + group, n_cols)
        for j in range(first, last):
            table, guide = tables[j - first], guides[j - first]
            w, m, lo = width[j], mean[j], low[j]
            # running product of the pmf ratios from the window start, running sum
            pmf = 1.0
            table[0] = 1.0
            for x in range(1, w):
                pmf = pmf * (m / (lo + float(x)))
                table[x] = table[x - 1] + pmf
            total = table[w - 1]
            for x in range(w):
                table[x] = table[x] / total + below[j]
            # guide[g]: the first x with g / size < cdf[x] (at most the window's last point)
            size = cells[j]
            x = 0
            for g in range(size + 1):
                while x < w - 1 and table[x] * size <= g:
                    x += 1
                guide[g] = x
        for t in range(n_periods):
            for j in range(first, last):
                k = j - first
                v = u[t, j]
                x = guides[k, int(v * cells[j])]
                # most draws are the guide's point or one or two above it: two steps
                # without a branch, then the rest (table[width - 1] >= 1 > v stops them)
                x += tables[k, x] <= v
                x += tables[k, x] <= v
                while tables[k, x] <= v:
                    x += 1
                # a draw at the start of a window that does not start at 0: u is below
                # the window's first CDF value (< 1e-17), the exact search finishes it
                if x == 0 and low[j] > 0.0:
                    out[t, j] = -1.0
                    n_below += 1
                else:
                    out[t, j] = low[j] + x
    return n_below


def invert_tables(
    mean: np.ndarray,
    low: np.ndarray,
    width: np.ndarray,
    cells: np.ndarray,
    below: np.ndarray,
    u: np.ndarray,
    out: np.ndarray,
) -> int:
    """Draws into ``out`` ``(T, n)``, C-contiguous float64, for uniforms ``u`` ``(T, n)``
    and per-column ``mean``, window start ``low``, window points ``width``, guide cells
    ``cells`` (a power of two >= width) and mass below the window ``below`` (0 where the
    window starts at 0). Returns how many draws lie below their window's first CDF value
    (marked -1 in ``out``), left to the exact search."""
    return _invert(
        np.ascontiguousarray(mean, dtype=np.float64),
        np.ascontiguousarray(low, dtype=np.float64),
        np.ascontiguousarray(width, dtype=np.int64),
        np.ascontiguousarray(cells, dtype=np.int64),
        np.ascontiguousarray(below, dtype=np.float64),
        np.ascontiguousarray(u, dtype=np.float64),
        GROUP,
        out,
    )
