"""Layout-independent Poisson demand: exact inversion of one uniform per draw.

A simulation of a million SKUs runs them in blocks. With counter-based uniforms
(:func:`sim.demand.sampling.counter_uniforms`) the inversion here makes every draw a pure
function of its own SKU, so the results are identical bit for bit whatever the block size,
the block boundaries or the order in which blocks are processed.

``poisson_inverse``
    Inversion (Devroye 1986, Sec. III.2): the draw for a uniform ``u`` is the smallest
    ``x >= 0`` with ``u < F(x; mean)``, so demand is monotone in ``u`` (tight common random
    numbers). With one mean per SKU a table of the CDF is built per SKU over the window
    ``mean -+ 9 sqrt(mean)`` (plus 9), outside which the Poisson mass is below 1e-17 on
    each side; a guide table (Chen & Asau 1974; Devroye 1986, Sec. III.2.4) gives the start
    of the search, which then compares ``u < cdf[x]`` exactly. The guide has a power of two
    of cells per SKU, so scaling by it is exact and the start never overshoots. With a mean
    per element (modulated demand), or a mean too large for a table, the search starts at
    the Cornish-Fisher quantile (Cornish & Fisher 1937) ``mean + sqrt(mean) z + (z**2 - 1)
    / 6``, ``z = Phi^-1(u)``, and checks ``F(x - 1) <= u < F(x)`` with SciPy's ``pdtr``
    (the regularised incomplete gamma function); the few draws that miss it (by more than
    a step for u in the far tails) are bracketed by doubling steps, then bisected.

Table CDFs are computed per SKU (:mod:`sim.demand.poisson_table`, compiled by numba: the running
product of the pmf ratios ``mean / x`` from the window start, its running sum, division by
the window total, plus the mass below the window ``pdtr(lo - 1, mean)`` so that tiny ``u``
are inverted accurately too), never scaled or offset by anything that depends on the other
SKUs of the batch, so a SKU's table, and its draws, are the same in any batch. A ``u``
below the table's first value (< 1e-17) is finished by the exact search. ``u = 0`` gives
0, as ``F(0) = exp(-mean) > 0``. Table and search agree up to rounding of the CDF (about
1e-15): a ``u`` that close to a CDF value may get different draws from the two paths,
which is why the choice between them depends on the mean alone (``TABLE_MAX_MEAN``),
never on the batch.

Tables are rebuilt on every call (about 0.4 us per SKU at mean 10, against some 10-20 ns
per draw), so pass long blocks of periods where you can.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = [
    "TABLE_MAX_MEAN",
    "WINDOW_SIGMAS",
    "poisson_inverse",
    "poisson_window",
]

#: Half-width of a table window in standard deviations, also added as an upper margin
#: for skewness: the Poisson mass outside is below 3e-18 on each side at any mean.
WINDOW_SIGMAS = 9.0
#: Largest mean sampled from a table (a window of up to ~1,820 points); above it each draw
#: is found by a short search on the exact CDF (~0.5 us per draw, as fast as a table for a
#: year of draws at a mean of ~3e4, and faster for shorter blocks).
TABLE_MAX_MEAN = 1e4
#: Most draws searched at once (the exact search's chunks stay in cache).
BLOCK_DRAWS = 1 << 18


# --------------------------------------------------------------------------- Poisson


def poisson_window(mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First support point and number of points of each mean's table window,
    ``[max(0, floor(m - c sqrt m)), ceil(m + c sqrt m) + c]`` with ``c = WINDOW_SIGMAS``."""
    mean = np.asarray(mean, dtype=np.float64)
    spread = WINDOW_SIGMAS * np.sqrt(mean)
    lo = np.maximum(np.floor(mean - spread), 0.0)
    hi = np.ceil(mean + spread) + WINDOW_SIGMAS
    return lo, (hi - lo + 1.0).astype(np.intp)


def _search(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exact inversion of 1-D ``u`` against the Poisson CDF of the matching 1-D ``mean``:
    from the Cornish-Fisher quantile, the ``x`` with ``pdtr(x-1) <= u < pdtr(x)``."""
    x = np.zeros(u.shape)
    for start in range(0, u.size, BLOCK_DRAWS):
        block = slice(start, start + BLOCK_DRAWS)
        x[block] = _search_block(mean[block], u[block])
    return x


def _search_block(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    x = np.zeros(u.shape)
    # u == 0 is below F(0) = exp(-m) > 0, and mean 0 puts all mass at 0: both give 0.
    live = np.flatnonzero((mean > 0) & (u > 0))
    if not live.size:
        return x
    m, v = mean[live], u[live]
    z = special.ndtri(v)
    xs = np.maximum(np.floor(m + np.sqrt(m) * z + (z * z - 1.0) / 6.0), 0.0)
    # The draw is the smallest x with v < F(x). Bracket it as below < x <= above from the
    # start (usually within one step), galloping with doubling steps where the start is
    # far (u in the far tails), then bisect.
    above = special.pdtr(xs, m) > v
    lower = np.zeros_like(xs)
    inside = above & (xs > 0)
    lower[inside] = special.pdtr(xs[inside] - 1.0, m[inside])
    below = np.where(above, xs - 1.0, xs)
    top = np.where(above, xs, xs + 1.0)
    down = np.flatnonzero(above & (v < lower))  # the draw is below xs - 1
    top[down] = xs[down] - 1.0
    below[down] = xs[down] - 2.0
    up = np.flatnonzero(~above)  # the draw is above xs: probe xs + 1 first
    _gallop(m, v, below, top, up, 1.0)
    _gallop(m, v, below, top, down, -1.0)
    gap = np.flatnonzero(top - below > 1)
    while gap.size:
        mid = np.floor((below[gap] + top[gap]) / 2)
        left = v[gap] < special.pdtr(mid, m[gap])
        top[gap[left]] = mid[left]
        below[gap[~left]] = mid[~left]
        gap = gap[top[gap] - below[gap] > 1]
    x[live] = top
    return x


def _gallop(
    m: np.ndarray, v: np.ndarray, below: np.ndarray, top: np.ndarray, idx: np.ndarray, sign: float
) -> None:
    """Widen ``below < draw <= top`` in place for ``idx`` by probes 1, 2, 4, ... away in
    the direction ``sign`` until the probe passes the draw; ``below < 0`` means F = 0."""
    step = np.ones(idx.size)
    while idx.size:
        if sign > 0:
            probe = below[idx] + step
            hit = v[idx] < special.pdtr(probe, m[idx])
            top[idx] = np.where(hit, probe, top[idx])
            below[idx] = np.where(hit, below[idx], probe)
        else:
            probe = np.maximum(top[idx] - step, -1.0)
            hit = probe < 0
            hit[~hit] = special.pdtr(probe[~hit], m[idx[~hit]]) <= v[idx[~hit]]
            below[idx] = np.where(hit, probe, below[idx])
            top[idx] = np.where(hit, top[idx], probe)
        idx, step = idx[~hit], 2 * step[~hit]


def _guide_cells(width: np.ndarray) -> np.ndarray:
    """Guide cells of each table: the smallest power of two >= its number of points."""
    return np.left_shift(1, np.frexp(np.asarray(width) - 1.0)[1]).astype(np.intp)


def _sample_tables(mean: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """Table path for the columns of ``u`` (all with means <= TABLE_MAX_MEAN)."""
    from sim.demand.poisson_table import invert_tables  # numba: imported where tables are used

    lo, width = poisson_window(mean)
    below = np.zeros_like(mean)
    deep = np.flatnonzero(lo > 0)  # the mass below the window, < 1e-17: for tiny u only
    if deep.size:
        below[deep] = special.pdtr(lo[deep] - 1.0, mean[deep])
    into = out if out.flags.c_contiguous else np.empty(out.shape)
    if invert_tables(mean, lo, width, _guide_cells(width), below, u, into):
        # u < cdf(lo) < 1e-17 at a window that does not start at 0: the draw may lie
        # below the window, so search
        t, j = np.nonzero(into < 0)
        into[t, j] = _search(mean[j], u[t, j])
    if into is not out:
        out[...] = into


def _validate(mean: np.ndarray, u: np.ndarray | None) -> None:
    """The means, and the uniforms unless ``u`` is None (known to lie in [0, 1))."""
    if mean.size and not (np.all(np.isfinite(mean)) and mean.min() >= 0):
        bad = mean[~(np.isfinite(mean) & (mean >= 0))].flat[0]
        raise ValueError(f"mean(={bad}) must be finite and >= 0")
    if u is not None and u.size and not (u.min() >= 0 and u.max() < 1):
        bad = u[~((u >= 0) & (u < 1))].flat[0]
        raise ValueError(f"u(={bad}) must lie in [0, 1)")


def poisson_inverse(
    mean: np.ndarray, u: np.ndarray, *, uniforms_checked: bool = False
) -> np.ndarray:
    """Poisson draws by inversion: for each element the smallest ``x >= 0`` with
    ``u < F(x; mean)``, as float64 of the shape of ``u``.

    ``mean`` is either one mean per column, shape ``(n,)`` with ``u`` of shape ``(T, n)``
    (stationary demand: per-SKU tables), or one mean per element, the shape of ``u``
    (modulated demand: a search on the exact CDF). The draw of a column depends only on
    its own means and uniforms, never on the other columns passed with it.
    ``uniforms_checked``: ``u`` comes from a generator of uniforms on [0, 1) (numpy's,
    :func:`sim.demand.sampling.counter_uniforms`), so the scan of ``u`` is skipped (two
    passes over a block of draws); the means are checked all the same.
    """
    mean = np.asarray(mean, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    _validate(mean, None if uniforms_checked else u)
    if mean.shape == u.shape:
        return _search(mean.ravel(), u.ravel()).reshape(u.shape)
    if not (mean.ndim == 1 and u.ndim == 2 and u.shape[1] == mean.shape[0]):
        raise ValueError(
            f"mean of shape {mean.shape} must be (n,) or the shape of u {u.shape}, "
            "with u of shape (T, n)"
        )
    out = np.empty(u.shape)
    small = mean <= TABLE_MAX_MEAN
    if small.all():
        _sample_tables(mean, u, out)
        return out
    cols = np.flatnonzero(small)
    if cols.size:
        part = np.empty((u.shape[0], cols.size))
        _sample_tables(mean[cols], u[:, cols], part)
        out[:, cols] = part
    cols = np.flatnonzero(~small)
    big = np.broadcast_to(mean[cols], (u.shape[0], cols.size))
    out[:, cols] = _search(big.ravel(), u[:, cols].ravel()).reshape(big.shape)
    return out
