"""Exact maximum likelihood of stationary SARIMA(X) models, all SKUs at once, in numpy
(the Kalman filter's loops over periods compiled by numba).

The model of :mod:`forecasters.arima` with ``d = D = 0``: ``phi(B) Phi(B^s) (y_t - x_t'
beta) = c + theta(B) Theta(B^s) eps_t``, ``eps_t ~ N(0, sigma^2)``, in the state-space form
statsmodels' ``SARIMAX`` uses (Harvey's representation; Durbin & Koopman 2012, Sec. 3.4):
state dimension ``k = max(p + sP, q + sQ + 1)``, companion transition ``T`` with the
expanded AR coefficients in its first column, ``R = (1, theta_1, ..., theta_{k-1})'``,
``Z = e_1``, the constant ``c`` in the state intercept, the regression in the observation
intercept, no observation noise, and the stationary initialisation (mean ``(I - T)^{-1} c``,
covariance solving ``P = T P T' + R R' sigma^2``). The Gaussian log-likelihood of the
Kalman filter's innovations ``v_t`` with variances ``f_t`` is exactly statsmodels'
``SARIMAX.loglike`` at the same parameters (tested).

What makes it cheap:

* **Batch over SKUs.** The filter runs over all SKUs and parameter sets at once, its
  loops over periods compiled by numba (:func:`forecasters.batch_lm.compiled`); its
  covariance recursion (Riccati) does not depend on the data, and once it has converged
  (to 1e-13; it converges geometrically for an invertible MA part) only the state
  recursion runs.
* **The linear parameters are profiled out.** The innovations are linear in ``c``, ``beta``
  (the filter is linear in the data and the intercepts), so for given ARMA coefficients the
  best ``c``, ``beta`` are a weighted least-squares fit (generalised least squares), and
  ``sigma^2`` is the mean squared standardised innovation (the concentrated likelihood,
  Harvey 1989, Sec. 3.4). Only the ARMA coefficients are searched.
* **Least squares, not a general optimiser.** Maximising the concentrated likelihood is
  ``min sum_t u_t^2`` with ``u_t = v_t / sqrt(f_t) * (prod_s f_s)^(1 / 2n)``, solved for
  all SKUs together by :func:`forecasters.batch_lm.levenberg_marquardt`.
* **Stationarity and invertibility by construction**, as statsmodels enforces them: each
  polynomial's coefficients are the image of unconstrained numbers through partial
  autocorrelations ``r = x / sqrt(1 + x^2)`` and the Durbin-Levinson recursion (Monahan
  1984, "A note on enforcing stationarity in autoregressive-moving average models",
  Biometrika 71(2)).
* **Warm starts.** A first fit starts each SKU from the best point of a small grid of
  coefficients; a re-fit from the better of that and the SKU's previous estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from forecasters.batch_lm import compiled, cross_products, levenberg_marquardt

__all__ = [
    "ArmaSpec",
    "BatchArimaFit",
    "constrain_stationary",
    "fit_arima_batch",
    "arma_loglike",
]

#: The deterministic part of the model: none (``"n"``) or a constant ``c`` (``"c"``).
Trend = Literal["n", "c"]

#: Bound on the unconstrained coefficients: partial autocorrelations within 1 - 5e-7 of
#: +-1, so that ``I - T`` and the filter stay well conditioned at a unit root.
BOUND = 7.0
#: Start values of the first coefficient of each polynomial on the grid.
GRID = {
    "ar": (-0.5, 0.0, 0.3, 0.6, 0.9),
    "ma": (-0.6, -0.3, 0.0, 0.3, 0.6),
    "sar": (0.0, 0.5),
    "sma": (-0.4, 0.0),
}
#: Starts per SKU: the best grid points (and a re-fit's previous estimate); the ARMA
#: likelihood has several local optima (near-cancelling AR and MA roots), and the best of
#: a few starts beats one start (and statsmodels' single start) on the runs measured.
N_STARTS = 3
#: Iterations from every start before the best is followed further.
SCOUT_ITER = 5


@dataclass(frozen=True)
class ArmaSpec:
    """Orders of a stationary SARIMA(p,0,q)(P,0,Q)_s with ``trend`` c or n and ``n_exog``
    regressors."""

    p: int
    q: int
    big_p: int
    big_q: int
    s: int
    trend: Trend
    n_exog: int

    @property
    def has_constant(self) -> bool:
        """Whether the model has the constant ``c`` (``trend="c"``)."""
        return self.trend == "c"

    @property
    def n_params(self) -> int:
        return self.p + self.q + self.big_p + self.big_q

    @property
    def k(self) -> int:
        return max(self.p + self.s * self.big_p, self.q + self.s * self.big_q + 1)

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Unconstrained parameters ``(..., n_params)`` -> [ar, ma, sar, sma] blocks."""
        sizes = np.cumsum([self.p, self.q, self.big_p, self.big_q])[:-1]
        return np.split(x, sizes, axis=-1)


@dataclass
class BatchArimaFit:
    """Per SKU: ``x`` unconstrained ARMA coefficients (a re-fit's start), ``ok`` whether the
    fit succeeded, ``loglike``, and the state-space pieces of :class:`forecasters.arima.
    StateSpace`, stacked: ``transition (n, k, k)``, ``state_cov (n, k, k)``, ``intercept
    (n,)`` (c), ``beta (n_exog, n)``, ``sigma2 (n,)``, ``state (n, k)``, ``state_var (n, k,
    k)``."""

    x: np.ndarray
    ok: np.ndarray
    loglike: np.ndarray
    transition: np.ndarray
    state_cov: np.ndarray
    intercept: np.ndarray
    beta: np.ndarray
    sigma2: np.ndarray
    state: np.ndarray
    state_var: np.ndarray


def constrain_stationary(x: np.ndarray) -> np.ndarray:
    """Unconstrained ``(..., p)`` -> coefficients ``phi`` of a stationary AR polynomial
    ``1 - phi_1 L - ... - phi_p L^p`` (Monahan 1984): partial autocorrelations
    ``r = x / sqrt(1 + x^2)``, then Durbin-Levinson."""
    p = x.shape[-1]
    r = x / np.sqrt(1.0 + x * x)
    phi = np.zeros_like(r)
    for k in range(p):
        prev = phi[..., :k].copy()
        phi[..., :k] = prev - r[..., k : k + 1] * prev[..., ::-1]
        phi[..., k] = r[..., k]
    return phi


def _unconstrain_first(coef: float) -> float:
    """The unconstrained value whose first partial autocorrelation is ``coef``."""
    return coef / np.sqrt(1.0 - coef * coef)


def polynomials(spec: ArmaSpec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expanded AR ``a`` ``(..., k)`` (``1 - sum a_l L^l``) and ``R`` ``(..., k)``
    (``1, theta_1, ...``) of the product polynomials, zero-padded to the state dimension."""
    ar, ma, sar, sma = spec.split(x)
    k, s = spec.k, spec.s
    shape = x.shape[:-1]
    ar_c = constrain_stationary(ar) if spec.p else ar
    sar_c = constrain_stationary(sar) if spec.big_p else sar
    ma_c = -constrain_stationary(-ma) if spec.q else ma
    sma_c = -constrain_stationary(-sma) if spec.big_q else sma
    # AR: (1 - sum phi_i L^i)(1 - sum Phi_j L^{sj}) = 1 - sum a_l L^l
    lhs = np.zeros((*shape, k + 1))
    lhs[..., 0] = 1.0
    lhs[..., 1 : spec.p + 1] = -ar_c
    prod = lhs.copy()
    for j in range(spec.big_p):
        lag = s * (j + 1)
        prod[..., lag:] += -sar_c[..., j : j + 1] * lhs[..., : k + 1 - lag]
    a = -prod[..., 1:]
    # MA: (1 + sum theta_i L^i)(1 + sum Theta_j L^{sj}) = 1 + sum b_l L^l
    mlhs = np.zeros((*shape, k))
    mlhs[..., 0] = 1.0
    mlhs[..., 1 : spec.q + 1] = ma_c
    big_r = mlhs.copy()
    for j in range(spec.big_q):
        lag = s * (j + 1)
        big_r[..., lag:] += sma_c[..., j : j + 1] * mlhs[..., : k - lag]
    return a, big_r


def companion(a: np.ndarray) -> np.ndarray:
    """Transition matrices ``(..., k, k)``: ``a`` in the first column, ones above the
    diagonal (statsmodels' SARIMAX)."""
    k = a.shape[-1]
    t = np.zeros((*a.shape, k))
    t[..., :, 0] = a
    idx = np.arange(k - 1)
    t[..., idx, idx + 1] = 1.0
    return t


def _tmul(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``T m`` for the companion ``T`` of ``a`` ``(..., k)`` and ``m`` ``(..., k, c)``."""
    out = np.empty(np.broadcast_shapes(m.shape, a.shape + (1,)))
    out[..., :-1, :] = m[..., 1:, :]
    out[..., -1, :] = 0.0
    out += a[..., :, None] * m[..., 0:1, :]
    return out


def stationary_cov(a: np.ndarray, big_r: np.ndarray) -> np.ndarray:
    """``P = sum_j T^j R R' T'^j`` (the stationary state covariance for sigma^2 = 1) by
    doubling: ``P <- P + A P A'``, ``A <- A A``."""
    t = companion(a)
    p = big_r[..., :, None] * big_r[..., None, :]
    for _ in range(64):
        step = t @ p @ np.swapaxes(t, -1, -2)
        p = p + step
        t = t @ t
        if not np.any(np.abs(t) > 1e-18):
            break
    return p


def riccati(
    a: np.ndarray, big_r: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """The data-free half of the Kalman filter (sigma^2 = 1) from the stationary
    covariance: innovation variances ``f`` ``(n, ...)``, gains ``K_t = P_t Z' / f_t``
    ``(n_gains, k, ...)`` for the periods before the covariance settles (to 1e-13; after
    that the gain is ``K[-1]``), their number, and ``P_{n+1|n}`` ``(..., k, k)``.

    With ``Z = e_1`` and no observation noise the updated covariance ``U = P - P Z' Z P /
    f`` has a zero first row and column, so ``T U T'`` is ``U`` shifted up and left by one
    (the AR coefficients drop out): ``P' = shift(U) + R R'``."""
    f, gains, settled, p = _riccati_flat(a, big_r, n)
    shape, k = a.shape[:-1], a.shape[-1]
    gains = np.moveaxis(gains.reshape(gains.shape[0], *shape, k), -1, 1)
    return f.reshape(n, *shape), gains, settled, p.reshape(*shape, k, k)


def _riccati_flat(
    a: np.ndarray, big_r: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """:func:`riccati` on the models flattened: ``f`` ``(n, E)``, gains ``(n_gains, E,
    k)``, ``settled``, ``P_{n+1|n}`` ``(E, k, k)``."""
    k = a.shape[-1]
    p = np.ascontiguousarray(stationary_cov(a, big_r), dtype=np.float64).reshape(-1, k, k)
    big_r = np.ascontiguousarray(big_r, dtype=np.float64).reshape(-1, k)
    f = np.empty((n, p.shape[0]))
    gains = np.empty((n + 1, p.shape[0], k))
    settled, n_gains, p = _riccati_loop(big_r, p, f, gains)
    return f, gains[:n_gains], settled, p


@compiled
def _riccati_loop(big_r, p, f, gains):
    """The covariance recursion of :func:`riccati` from ``P_1`` ``p`` ``(E, k, k)`` for
    the ``E`` models ``R`` ``(E, k)``, writing ``f`` ``(n, E)`` and the gains ``(n + 1, E,
    k)``; returns ``settled``, the number of gains written and ``P_{n+1|n}``. Every 8
    periods, when no entry of any model moved by more than 1e-13 (relative, or absolute
    below 1), the rest of ``f`` is the last variance."""
    n, n_models = f.shape
    k = p.shape[-1]
    new_p = np.empty_like(p)
    for t in range(n):
        for e in range(n_models):
            ft = p[e, 0, 0]
            f[t, e] = ft
            for i in range(k):
                gains[t, e, i] = p[e, i, 0] / ft
            for i in range(k - 1):  # U shifted up and left, plus R R'
                g, r = gains[t, e, i + 1], big_r[e, i]
                for j in range(k - 1):
                    new_p[e, i, j] = (p[e, i + 1, j + 1] - g * p[e, 0, j + 1]) + r * big_r[e, j]
                new_p[e, i, k - 1] = 0.0 + r * big_r[e, k - 1]
            for j in range(k):
                new_p[e, k - 1, j] = 0.0 + big_r[e, k - 1] * big_r[e, j]
        # every 8 periods: has every entry of every model moved by at most 1e-13 (relative
        # above 1; a nan has not settled)?
        settled = t % 8 == 7
        for e in range(n_models if settled else 0):
            for i in range(k):
                for j in range(k):
                    x = p[e, i, j]
                    settled &= abs(new_p[e, i, j] - x) <= 1e-13 * max(1.0, abs(x))
            if not settled:
                break
        if settled:
            for e in range(n_models):
                for s in range(t + 1, n):
                    f[s, e] = new_p[e, 0, 0]
                for i in range(k):
                    gains[t + 1, e, i] = new_p[e, i, 0] / new_p[e, 0, 0]
            return t + 1, t + 2, new_p
        p, new_p = new_p, p
    return n, n, p


def kalman(
    a: np.ndarray, big_r: np.ndarray, y: np.ndarray, c_col: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kalman filter (sigma^2 = 1) of the model ``a``, ``R`` ``(S, M, k)`` (``M`` is 1
    or the number of SKUs ``N``) on data columns ``y`` ``(n, N, C)``; column ``c_col`` is
    the unit constant: zero data, state intercept ``e_1`` and initial mean ``(I - T)^{-1}
    e_1``. Returns innovations ``v`` ``(n, S, N, C)``, their variances ``f`` ``(n, S, M)``,
    the predicted state ``a_{n+1|n}`` ``(S, N, k, C)`` and its covariance ``(S, M, k, k)``.

    The covariance recursion does not depend on the data (:func:`riccati`); the state
    recursion ``a' = T (a + K v) + c`` runs per SKU, parameter set and column (compiled)."""
    n, big_n, n_cols = y.shape
    n_sets, n_models, k = a.shape
    f, gains, _, p = _riccati_flat(a, big_r, n)
    state = np.zeros((k, n_sets, big_n, n_cols))
    if c_col is not None:
        eye = np.eye(k)
        mean = np.linalg.solve(eye - companion(a), np.broadcast_to(eye[:, 0], a.shape)[..., None])
        state[..., c_col] = np.moveaxis(mean[..., 0], -1, 0)
    v = np.empty((n, n_sets, big_n, n_cols))
    _kalman_loop(
        np.ascontiguousarray(y, dtype=np.float64),
        np.ascontiguousarray(a, dtype=np.float64),
        gains.reshape(-1, n_sets, n_models, k),
        -1 if c_col is None else c_col,
        v,
        state,
    )
    return (
        v,
        f.reshape(n, n_sets, n_models),
        np.moveaxis(state, 0, -2),
        p.reshape(n_sets, n_models, k, k),
    )


@compiled
def _kalman_loop(y, a, gains, c_col, v, state):
    """The state recursion of :func:`kalman`, in place on ``state`` ``(k, S, N, C)``
    (``a_1``), writing the innovations ``v`` ``(n, S, N, C)``: ``v = y - a_1``, ``w = K v +
    a``, ``a' = T w`` (+ 1 in the first state of the constant's column ``c_col``), with
    the gain ``K`` ``(n_gains, S, M, k)`` of period ``t`` (the last one once settled).
    Period by period over all SKUs, parameter sets and columns (independent recursions
    that the processor overlaps)."""
    n, n_sets, big_n, n_cols = v.shape
    k = a.shape[-1]
    shared = a.shape[1] == 1
    last = gains.shape[0] - 1
    for t in range(n):
        g = min(t, last)
        for s in range(n_sets):
            for j in range(big_n):
                mj = 0 if shared else j
                for c in range(n_cols):
                    vt = y[t, j, c] - state[0, s, j, c]
                    v[t, s, j, c] = vt
                    w0 = gains[g, s, mj, 0] * vt + state[0, s, j, c]
                    for i in range(k - 1):  # a'_i = a_i w_0 + w_{i+1}, w_{i+1} read first
                        w = gains[g, s, mj, i + 1] * vt + state[i + 1, s, j, c]
                        state[i, s, j, c] = a[s, mj, i] * w0 + w
                    state[k - 1, s, j, c] = a[s, mj, k - 1] * w0
                    if c == c_col:
                        state[0, s, j, c] += 1.0


def _profile(v: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best linear coefficients ``g`` ``(S, N, C-1)`` (innovations ``v_0 + sum g_j v_j``),
    the standardised innovations ``e`` ``(S, N, n)`` and ``sum_t log f_t`` ``(S, N)``."""
    z = np.empty_like(v)
    _standardise(v, np.ascontiguousarray(f, dtype=np.float64), z)
    zy = z[..., 0]
    n_cols = v.shape[-1]
    if n_cols > 1:
        zd = z[..., 1:]
        gram, rhs = cross_products(z)
        ridge = 1e-10 * (np.einsum("snii->sn", gram) + 1e-300)[..., None, None]
        gram = gram + ridge * np.eye(n_cols - 1)
        coef = -np.linalg.solve(gram, rhs[..., None])[..., 0]
        e = zy + np.einsum("tsni,sni->tsn", zd, coef)
    else:
        coef = np.zeros((*zy.shape[1:], 0))
        e = zy
    logdet = np.log(f).sum(axis=0)
    return coef, np.moveaxis(e, 0, -1), np.broadcast_to(logdet, e.shape[1:])


@compiled
def _standardise(v, f, z):
    """``z = v / sqrt(f)`` (as ``v * (1 / sqrt(f))``) for ``v`` ``(n, S, N, C)``, ``f``
    ``(n, S, M)`` (``M`` 1 or ``N``)."""
    n, n_sets, big_n, n_cols = v.shape
    shared = f.shape[2] == 1
    for t in range(n):
        for s in range(n_sets):
            for j in range(big_n):
                w = 1.0 / np.sqrt(f[t, s, 0 if shared else j])
                for c in range(n_cols):
                    z[t, s, j, c] = v[t, s, j, c] * w


def _columns(
    y: np.ndarray, exog: np.ndarray | None, spec: ArmaSpec
) -> tuple[np.ndarray, int | None]:
    """Data columns ``(n, N, C)``: demand, the regressors, and the constant's column."""
    n, big_n = y.shape
    cols = [y[:, :, None]]
    if exog is not None and spec.n_exog:
        x = (
            exog
            if exog.ndim == 3
            else np.broadcast_to(exog[:, None, :], (n, big_n, exog.shape[-1]))
        )
        cols.append(x)
    c_col = None
    if spec.has_constant:
        c_col = sum(c.shape[-1] for c in cols)
        cols.append(np.zeros((n, big_n, 1)))
    return np.concatenate(cols, axis=-1), c_col


def _residuals(spec: ArmaSpec, data: np.ndarray, c_col: int | None):
    n = data.shape[0]

    def residuals(x: np.ndarray, skus: np.ndarray) -> np.ndarray:
        a, big_r = polynomials(spec, x)
        with np.errstate(all="ignore"):
            v, f, _, _ = kalman(a, big_r, data[:, skus], c_col)
            _, e, logdet = _profile(v, f)
            return e * np.exp(logdet / (2.0 * n))[..., None]

    return residuals


def arma_loglike(
    spec: ArmaSpec, x: np.ndarray, y: np.ndarray, exog: np.ndarray | None = None
) -> np.ndarray:
    """The concentrated Gaussian log-likelihood ``(N,)`` at ARMA coefficients ``x``
    ``(N, n_params)`` (unconstrained), with ``c``, ``beta`` and ``sigma^2`` at their best."""
    return _final(spec, x, y, exog)[1]


def _final(spec, x, y, exog):
    data, c_col = _columns(y, exog, spec)
    n = y.shape[0]
    a, big_r = polynomials(spec, x[None])
    with np.errstate(all="ignore"):
        v, f, state, p = kalman(a, big_r, data, c_col)
        coef, e, logdet = _profile(v, f)
    coef, e, logdet, state, p = coef[0], e[0], logdet[0], state[0], p[0]
    sse = np.einsum("nt,nt->n", e, e)
    sigma2 = sse / n
    loglike = -0.5 * n * (np.log(2.0 * np.pi * sigma2) + 1.0) - 0.5 * logdet
    combined = state[..., 0] + np.einsum("nkc,nc->nk", state[..., 1:], coef)
    return coef, loglike, sigma2, combined, p, a[0], big_r[0], c_col


def fit_arima_batch(
    spec: ArmaSpec,
    y: np.ndarray,
    exog: np.ndarray | None = None,
    start: np.ndarray | None = None,
    *,
    max_iter: int = 60,
) -> BatchArimaFit:
    """Fit the model to every column of ``y`` ``(n, N)`` (regressors ``exog`` ``(n, F)``
    shared or ``(n, N, F)`` per SKU) by exact maximum likelihood; ``start`` ``(N,
    n_params)``: unconstrained coefficients to start from (a re-fit), else the grid."""
    y = np.asarray(y, dtype=float)
    n, big_n = y.shape
    data, c_col = _columns(y, exog, spec)
    residuals = _residuals(spec, data, c_col)
    d = spec.n_params
    if d == 0:
        x = np.zeros((big_n, 0))
    else:
        x0 = _grid_start(spec, data, c_col, start)  # (N_STARTS, N, d)
        n_starts = x0.shape[0]

        def each_start(xs: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return residuals(xs, rows % big_n)

        # a few iterations from every start, then on from the best of them per SKU
        xs, cost, _ = levenberg_marquardt(
            each_start, x0.reshape(-1, d), max_iter=SCOUT_ITER, lower=-BOUND, upper=BOUND
        )
        best = np.argmin(cost.reshape(n_starts, big_n), axis=0)
        x = xs.reshape(n_starts, big_n, d)[best, np.arange(big_n)]
        x, _, _ = levenberg_marquardt(residuals, x, max_iter=max_iter, lower=-BOUND, upper=BOUND)
    coef, loglike, sigma2, state, p, a, big_r, c_col = _final(spec, x, y, exog)
    n_exog = spec.n_exog if exog is not None else 0
    beta = -coef[:, :n_exog].T if n_exog else np.zeros((0, big_n))
    intercept = coef[:, c_col - 1] if c_col is not None else np.zeros(big_n)
    transition = companion(a)
    rr = big_r[:, :, None] * big_r[:, None, :]
    ok = np.isfinite(loglike) & np.all(np.isfinite(state), axis=1) & (sigma2 > 0)
    return BatchArimaFit(
        x=x,
        ok=ok,
        loglike=loglike,
        transition=transition,
        state_cov=sigma2[:, None, None] * rr,
        intercept=intercept,
        beta=beta,
        sigma2=sigma2,
        state=state,
        state_var=sigma2[:, None, None] * np.broadcast_to(p, rr.shape),
    )


def _grid_start(
    spec: ArmaSpec, data: np.ndarray, c_col: int | None, start: np.ndarray | None
) -> np.ndarray:
    """Per SKU, starts ``(n_starts, N, d)``: the :data:`N_STARTS` best of a small grid of
    coefficients (first lag of each polynomial; the grid is shared by the SKUs, so its
    covariance recursions are computed once), or with ``start`` (a re-fit's previous
    estimate) that and the best grid point."""
    axes = []
    for name, lags in (("ar", spec.p), ("ma", spec.q), ("sar", spec.big_p), ("sma", spec.big_q)):
        for i in range(lags):
            values = GRID[name] if i == 0 else (0.0,)
            axes.append(np.array([_unconstrain_first(v) for v in values]))
    mesh = np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], axis=-1)  # (G, d)
    n, big_n = data.shape[:2]
    with np.errstate(all="ignore"):
        a, big_r = polynomials(spec, mesh[:, None, :])  # (G, 1, k)
        v, f, _, _ = kalman(a, big_r, data, c_col)
        _, e, logdet = _profile(v, f)
        cost = np.einsum("gnt,gnt->gn", e, e) * np.exp(logdet / n)
        sets = np.broadcast_to(mesh[:, None], (mesh.shape[0], big_n, mesh.shape[1]))
        if start is not None:
            start = np.asarray(start, dtype=float)[None]
            a, big_r = polynomials(spec, start)
            v, f, _, _ = kalman(a, big_r, data, c_col)
            _, e, logdet = _profile(v, f)
            cost = np.concatenate([cost, np.einsum("gnt,gnt->gn", e, e) * np.exp(logdet / n)])
            sets = np.concatenate([sets, start])
    cost = np.where(np.isfinite(cost), cost, np.inf)
    n_starts = N_STARTS
    if start is not None:
        cost[-1] = -np.inf  # the previous estimate is always a start, with the best grid point
        n_starts = 2
    ranked = np.argsort(cost, axis=0, kind="stable")[: min(n_starts, cost.shape[0])]
    return sets[ranked, np.arange(big_n)]
