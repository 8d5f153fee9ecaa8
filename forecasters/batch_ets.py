"""Maximum likelihood of linear ETS models (additive error, no or additive trend and
season), all SKUs at once, in numpy (the recursion over periods compiled by numba).

The models ETS(A,N,N), (A,A,N), (A,Ad,N), (A,N,A), (A,A,A), (A,Ad,A) of Hyndman, Koehler,
Ord & Snyder (2008), in the error-correction form and parametrisation of statsmodels'
``ETSModel`` (see :mod:`forecasters.ets`): one-step forecast ``l + phi b + s_{t-m}``,
``l' = l + phi b + alpha e``, ``b' = phi b + beta e``, ``s' = s_{t-m} + gamma e``; the
same bounds, ``alpha, beta / alpha, gamma / (1 - alpha)`` in ``[1e-4, 1 - 1e-4]`` and
``phi`` in ``[0.8, 0.98]``; the initial level, slope and seasons estimated with the last
initial season fixed at 0. With additive errors the likelihood is that of the sum of
squared one-step errors (``log L = -n/2 (log(2 pi SSE / n) + 1)``).

What makes it cheap:

* **The initial states are profiled out exactly.** For given smoothing parameters the
  one-step errors are affine in the initial states (the recursion is linear), so the
  recursion is run once on the data from zero states and once per initial state from a
  unit state with zero data, and the best initial states are a least-squares fit. Only
  the 1 to 4 smoothing parameters are searched (statsmodels searches them together with
  up to 9 initial states by L-BFGS-B with numerical gradients).
* **All SKUs, and the parameter sets of their Jacobians, in one recursion** over periods
  (:func:`smooth_columns`, a loop compiled by numba), by
  :func:`forecasters.batch_lm.levenberg_marquardt`, projected onto the bounds (in
  statsmodels' coordinates ``alpha``, ``beta / alpha``, ``gamma / (1 - alpha)``,
  ``phi``).
* **Warm starts.** A first fit starts each SKU from the best point of a small grid; a
  re-fit from the better of that and the SKU's previous estimate, so that it needs few
  iterations but cannot stay stuck where the previous data put it.

The optimum is statsmodels' (the same objective over the same set) or a better one where
L-BFGS-B stops early; the sum of squares is never worse than at statsmodels' default
start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from forecasters.batch_lm import compiled, cross_products, levenberg_marquardt

__all__ = ["EtsSpec", "BatchEtsFit", "fit_ets_batch"]

LOW, HIGH = 1e-4, 1.0 - 1e-4
PHI_LOW, PHI_HIGH = 0.8, 0.98
#: Bounds of each parameter in fitting coordinates; the smoothing parameters share theirs.
BOUNDS = {
    "alpha": (LOW, HIGH),
    "beta": (LOW, HIGH),
    "gamma": (LOW, HIGH),
    "phi": (PHI_LOW, PHI_HIGH),
}
#: The first fit's grid, per parameter (``beta*``, ``gamma*`` as in :func:`parameters`).
#: The lower bounds are on it: the likelihood of a SKU can peak there, with a local
#: optimum inside that a start nearby would find instead.
GRID = {
    "alpha": (LOW, 0.03, 0.1, 0.3, 0.6, 0.95),
    "beta": (LOW, 0.2),
    "gamma": (LOW, 0.2),
    "phi": (PHI_LOW, 0.9, PHI_HIGH),
}
#: ``alpha`` alone (ETS(A,N,N)): a finer grid costs little.
ALPHA_ONLY = (
    LOW,
    0.005,
    0.01,
    0.02,
    0.03,
    0.045,
    0.06,
    0.08,
    0.1,
    0.13,
    0.17,
    0.22,
    0.3,
    0.4,
    0.5,
    0.65,
    0.8,
    0.95,
)


@dataclass(frozen=True)
class EtsSpec:
    """A linear ETS model: additive ``trend`` (optionally ``damped``), additive season of
    ``m`` periods (``seasonal``)."""

    trend: bool
    damped: bool
    seasonal: bool
    m: int

    @property
    def names(self) -> tuple[str, ...]:
        out: tuple[str, ...] = ("alpha",)
        if self.trend:
            out += ("beta",)
        if self.seasonal:
            out += ("gamma",)
        if self.damped:
            out += ("phi",)
        return out

    @property
    def n_initial(self) -> int:
        """Initial states estimated (level, slope, m - 1 free seasons)."""
        return 1 + int(self.trend) + (self.m - 1 if self.seasonal else 0)

    @property
    def k_params(self) -> int:
        """Parameters as statsmodels counts them (``ETSModel.k_params``): smoothing, phi,
        initial level, slope and all ``m`` seasons."""
        smoothing = 1 + int(self.trend) + int(self.seasonal) + int(self.damped)
        return smoothing + 1 + int(self.trend) + (self.m if self.seasonal else 0)


@dataclass
class BatchEtsFit:
    """Per SKU: ``x`` the parameters in fitting coordinates (a re-fit's start), ``ok``,
    the smoothing parameters, ``sigma2`` (mean squared one-step error), ``sse``,
    end-of-data ``level``, ``slope`` and ``season`` ``(n, m)`` (column ``j``: the season
    ``j`` periods before the last one), ``aicc``."""

    x: np.ndarray
    ok: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    phi: np.ndarray
    sigma2: np.ndarray
    sse: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    season: np.ndarray
    aicc: np.ndarray


def bounds(spec: EtsSpec) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of ``(alpha, beta*, gamma*, phi)`` in the model's order."""
    low, high = zip(*(BOUNDS[name] for name in spec.names), strict=True)
    return np.array(low), np.array(high)


def parameters(spec: EtsSpec, x: np.ndarray) -> dict[str, np.ndarray]:
    """``x`` ``(..., d)`` = ``alpha``, ``beta* = beta / alpha``, ``gamma* = gamma / (1 -
    alpha)``, ``phi`` (those of the model, in this order; statsmodels' fitting coordinates)
    -> ``alpha, beta, gamma, phi`` ``(...)``."""
    named = dict(zip(spec.names, np.moveaxis(x, -1, 0), strict=True))
    alpha = named["alpha"]
    zero = np.zeros_like(alpha)
    beta = alpha * named["beta"] if spec.trend else zero
    gamma = (1.0 - alpha) * named["gamma"] if spec.seasonal else zero
    phi = named["phi"] if spec.damped else np.ones_like(alpha)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi}


#: Which columns a run of :func:`smooth_columns` carries.
Columns = Literal["all", "data", "unit"]
#: Per choice of columns: (the data column from zero states, the unit columns).
_CARRIES: dict[Columns, tuple[bool, bool]] = {
    "all": (True, True),
    "data": (True, False),
    "unit": (False, True),
}


def smooth_columns(
    spec: EtsSpec, params: dict[str, np.ndarray], y: np.ndarray, columns: Columns = "all"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the recursion with parameters ``(S, N)`` (or ``(S, 1)``, shared by the SKUs)
    on ``y`` ``(n, N)`` from zero states (column 0) and with zero data from each unit
    initial state (columns 1..): one-step errors ``(n, S, N, C)`` and the end states
    (level, slope ``(S, N, C)``, season ring ``(m, S, N, C)``; slot ``t mod m`` holds the
    season of period ``t``). ``columns="data"``: column 0 only; ``"unit"``: the unit
    columns only (``y`` gives the periods; they do not depend on the data)."""
    n, big_n = y.shape
    alpha, beta, gamma, phi = (
        np.ascontiguousarray(params[k], dtype=np.float64) for k in ("alpha", "beta", "gamma", "phi")
    )
    n_sets = alpha.shape[0]
    with_data, with_units = _CARRIES[columns]
    first = int(with_data)  # the first unit column
    n_cols = first + (spec.n_initial if with_units else 0)
    level = np.zeros((n_sets, big_n, n_cols))
    if with_units:
        level[..., first] = 1.0
    slope = np.zeros_like(level)
    col = first + 1
    if not with_units:
        col = n_cols  # no unit columns
    elif spec.trend:
        slope[..., col] = 1.0
        col += 1
    m = spec.m if spec.seasonal else 1
    season = np.zeros((m, n_sets, big_n, n_cols))
    if spec.seasonal and with_units:
        for slot in range(1, m):  # slot 0: the last initial season, fixed at 0
            season[slot, ..., col] = 1.0
            col += 1
    errors = np.empty((n, n_sets, big_n, n_cols))
    _smooth(
        np.ascontiguousarray(y, dtype=np.float64),
        alpha,
        beta,
        gamma,
        phi,
        spec.trend,
        spec.seasonal,
        with_data,
        errors,
        level,
        slope,
        season,
    )
    return errors, level, slope, season


@compiled
def _smooth(y, alpha, beta, gamma, phi, trend, seasonal, with_data, errors, level, slope, season):
    """The recursion of :func:`smooth_columns`, in place on the states ``level``, ``slope``
    ``(S, N, C)`` and ``season`` ``(m, S, N, C)``, writing ``errors`` ``(n, S, N, C)``;
    ``alpha``.. ``(S, N)`` or ``(S, 1)``; data ``y`` ``(n, N)`` in column 0 if
    ``with_data``. Each column of each SKU and parameter set runs on its own, period by
    period, with the operations of the numpy form in the same order."""
    n = errors.shape[0]
    n_sets, big_n, n_cols = level.shape
    m = season.shape[0]
    shared = alpha.shape[1] == 1
    for s in range(n_sets):
        for j in range(big_n):
            jp = 0 if shared else j
            a, b, g, ph = alpha[s, jp], beta[s, jp], gamma[s, jp], phi[s, jp]
            for c in range(n_cols):
                data = with_data and c == 0
                lev, slo = level[s, j, c], slope[s, j, c]
                slot, old = 0, 0.0
                for t in range(n):
                    if trend:
                        slo = slo * ph
                        base = lev + slo
                    else:
                        base = lev
                    if seasonal:
                        slot = t % m
                        old = season[slot, s, j, c]
                        e = -(base + old)
                    else:
                        e = -base
                    if data:
                        e = e + y[t, j]
                    errors[t, s, j, c] = e
                    lev = a * e + base
                    if trend:
                        slo = slo + b * e
                    if seasonal:
                        season[slot, s, j, c] = old + g * e
                level[s, j, c], slope[s, j, c] = lev, slo


def _profile(errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best initial states ``(S, N, C-1)`` and the one-step errors ``(S, N, n)`` at them."""
    e0, big_e = errors[..., 0], errors[..., 1:]
    gram, rhs = cross_products(errors)
    k = gram.shape[-1]
    ridge = 1e-12 * (np.einsum("snii->sn", gram) + 1e-300)[..., None, None] * np.eye(k)
    x0 = -np.linalg.solve(gram + ridge, rhs[..., None])[..., 0]
    e = e0 + np.einsum("tsni,sni->tsn", big_e, x0)
    return x0, np.moveaxis(e, 0, -1)


def _shared_profile_sse(e0: np.ndarray, big_e: np.ndarray) -> np.ndarray:
    """The least sum of squares ``(G, N)`` over the initial states, from the data column
    ``e0`` ``(n, G, N)`` and the unit columns ``big_e`` ``(n, G, K)`` shared by the SKUs:
    ``e0'e0 - b' A^{-1} b`` with ``A = E'E``, ``b = E'e0``."""
    gram = np.einsum("tgi,tgj->gij", big_e, big_e)
    k = gram.shape[-1]
    gram = gram + 1e-12 * (np.einsum("gii->g", gram) + 1e-300)[:, None, None] * np.eye(k)
    rhs = np.einsum("tgi,tgn->gin", big_e, e0)
    x0 = np.linalg.solve(gram, rhs)
    return np.einsum("tgn,tgn->gn", e0, e0) - np.einsum("gin,gin->gn", rhs, x0)


def _residuals(spec: EtsSpec, y: np.ndarray):
    def residuals(x: np.ndarray, skus: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            errors, *_ = smooth_columns(spec, parameters(spec, x), y[:, skus])
            return _profile(errors)[1]

    return residuals


def _grid_start(spec: EtsSpec, y: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """Per SKU, the best point of the grid :data:`GRID` (shared by all SKUs) and of
    ``start`` (a re-fit's previous estimate, when given)."""
    grids = [GRID[name] for name in spec.names] if len(spec.names) > 1 else [ALPHA_ONLY]
    mesh = np.stack([m.ravel() for m in np.meshgrid(*grids, indexing="ij")], axis=-1)
    with np.errstate(all="ignore"):
        # the grid is shared by the SKUs: its unit columns are computed once per point
        shared = parameters(spec, mesh[:, None, :])  # (G, 1)
        data, *_ = smooth_columns(spec, shared, y, "data")
        unit, *_ = smooth_columns(spec, shared, y[:, :1], "unit")
        sse = _shared_profile_sse(data[..., 0], unit[:, :, 0])
        sets = np.broadcast_to(mesh[:, None], (mesh.shape[0], y.shape[1], mesh.shape[1]))
        if start is not None:
            start = np.asarray(start, dtype=float)[None]
            errors, *_ = smooth_columns(spec, parameters(spec, start), y)
            e = _profile(errors)[1]
            sse = np.concatenate([sse, np.einsum("gnt,gnt->gn", e, e)])
            sets = np.concatenate([sets, start], axis=0)
    sse = np.where(np.isfinite(sse), sse, np.inf)
    best = np.argmin(sse[::-1], axis=0)  # ties: the previous estimate, then the grid's first
    return sets[::-1][best, np.arange(y.shape[1])]


def fit_ets_batch(
    spec: EtsSpec, y: np.ndarray, start: np.ndarray | None = None, *, max_iter: int = 30
) -> BatchEtsFit:
    """Fit the model to every column of ``y`` ``(n, N)``; ``start`` ``(N, d)``: the
    parameters (fitting coordinates) to start from (a re-fit), else the grid."""
    y = np.asarray(y, dtype=float)
    n, big_n = y.shape
    x0 = _grid_start(spec, y, start)
    low, high = bounds(spec)
    x, _, _ = levenberg_marquardt(_residuals(spec, y), x0, max_iter=max_iter, lower=low, upper=high)
    params = parameters(spec, x[None])
    with np.errstate(all="ignore"):
        errors, level, slope, season = smooth_columns(spec, params, y)
        x_init, e = _profile(errors)
    coef = np.concatenate([np.ones((1, big_n, 1)), x_init], axis=-1)[0]  # (N, C)
    sse = np.einsum("nt,nt->n", e[0], e[0])
    sigma2 = sse / n
    end_level = np.einsum("nc,nc->n", level[0], coef)
    end_slope = np.einsum("nc,nc->n", slope[0], coef) if spec.trend else np.zeros(big_n)
    m = spec.m if spec.seasonal else 1
    ring = np.einsum("mnc,nc->nm", season[:, 0], coef)  # (N, m) by slot
    order = [(n - 1 - j) % m for j in range(m)]
    end_season = ring[:, order]
    loglike = -0.5 * n * (np.log(2.0 * np.pi * sigma2) + 1.0)
    k = spec.k_params + 1
    dof = n - k - 1
    aicc = (
        np.full(big_n, np.inf) if dof <= 0 else -2.0 * loglike + 2.0 * k + 2.0 * k * (k + 1) / dof
    )
    ok = (
        np.isfinite(sse)
        & np.isfinite(end_level)
        & np.isfinite(end_slope)
        & np.all(np.isfinite(end_season), axis=1)
    )
    return BatchEtsFit(
        x=x,
        ok=ok,
        alpha=params["alpha"][0],
        beta=params["beta"][0],
        gamma=params["gamma"][0],
        phi=params["phi"][0],
        sigma2=sigma2,
        sse=sse,
        level=end_level,
        slope=end_slope,
        season=end_season,
        aicc=aicc,
    )
