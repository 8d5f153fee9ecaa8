"""Poisson and negative-binomial (NB2) GLMs with log link, all SKUs in one compiled loop.

The algorithm is statsmodels' default ``GLM.fit()`` (``GLM._fit_irls``, iteratively
reweighted least squares; McCullagh & Nelder 1989, Sec. 2.5), mirrored step by step so
that each SKU ends where its own statsmodels fit ends:

* start ``mu = (y + mean(y)) / 2`` (``Family.starting_mu``), ``eta = log(mu)``; or, from
  given parameters, ``eta = X beta``, ``mu = exp(eta)``;
* iterate: weights ``w = 1 / (g'(mu)^2 V(mu))`` (``mu`` for the Poisson, ``mu / (1 +
  alpha mu)`` for NB2 with variance ``mu + alpha mu^2``), working response ``z = eta +
  (y - mu) / mu``, ``beta`` by weighted least squares, ``eta = X beta``, ``mu = exp(eta)``;
* stop when the deviance changes by at most ``1e-8`` (statsmodels' ``tol``, an absolute
  tolerance on the deviance, ``rtol = 0``), at most 100 iterations.

Each SKU stops at its own iteration. The loop over SKUs and iterations is compiled (numba,
:func:`forecasters.batch_lm.compiled`; the first run compiles, a few seconds, then the
machine code is cached): statsmodels spends most of a fit in the Python around a few small
products (the README's bakery run fits 3 SKUs of 112 to 504 periods 2,700 times), here a
fit of a few SKUs takes a fraction of a millisecond. Each weighted least squares is solved
by a Householder QR factorisation of ``sqrt(W) X`` (columns scaled to unit length), as
accurate as statsmodels' ``lstsq``. ``X`` is shared ``(n, p)`` or per SKU ``(n, n_skus,
p)``. Rows a SKU does not use (``first``: its first fitted row) are left out of its fit,
mean and deviance.

statsmodels' ``lstsq`` also copes with a rank-deficient design (the minimum-norm solution).
Here a regressor that is exactly zero on a SKU's rows (a promotion column of a SKU never
promoted) gets coefficient 0, which is that minimum-norm solution; any other
ill-conditioned system (scaled condition number above :data:`MAX_CONDITION`) is not solved
but reported, as are SKUs without demand, with too few rows for the regressors, with
non-finite numbers or not converged: ``ok`` is False for them and the caller fits them one
by one with statsmodels (see :class:`forecasters.glm.GLMRegression`), so that their
results stay exactly what they were.

Negative binomial: a Poisson fit first, then ``alpha`` (given, or the moment estimate of
Cameron & Trivedi 1990 from the Poisson ``mu``, floored at ``1e-8``), then the NB2 IRLS
started from the Poisson parameters -- as :func:`forecasters.glm.fit_glm_one` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasters.batch_lm import compiled

__all__ = ["BatchGlmFit", "fit_glm_batch", "MAX_CONDITION"]

#: statsmodels' IRLS defaults: deviance tolerance (absolute) and iteration cap.
TOL = 1e-8
MAX_ITER = 100
#: Largest condition number of a SKU's weighted design (columns scaled to unit length)
#: solved here; above it the SKU is left to statsmodels' ``lstsq``.
MAX_CONDITION = 1e8
#: statsmodels clips ``mu`` (links, variances, deviance ratios) at machine epsilon.
FLOAT_EPS = np.finfo(float).eps
#: Smallest NB dispersion (as :data:`forecasters.glm.MIN_ALPHA`).
MIN_ALPHA = 1e-8


@dataclass(frozen=True)
class BatchGlmFit:
    """Per SKU: ``params`` ``(n_skus, p)``, NB ``alpha`` (0 for the Poisson), ``mean`` of
    the fitted rows, ``deviance`` at the end, ``iterations`` (of the last IRLS), ``ok``
    (False: not fitted here, ``reason`` says why; its other numbers are meaningless)."""

    params: np.ndarray
    alpha: np.ndarray
    mean: np.ndarray
    deviance: np.ndarray
    iterations: np.ndarray
    ok: np.ndarray
    reason: np.ndarray


def fit_glm_batch(
    y: np.ndarray,
    x: np.ndarray,
    *,
    first: np.ndarray | None = None,
    negative_binomial: bool = False,
    alpha: float | None = None,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
) -> BatchGlmFit:
    """Fit every column of ``y`` ``(n, n_skus)`` on ``x`` (``(n, p)`` or ``(n, n_skus,
    p)``), each on its rows ``first[j]:`` (None: all rows)."""
    y = np.ascontiguousarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, n_skus = y.shape
    p = x.shape[-1]
    x3 = np.ascontiguousarray(x[:, None, :] if x.ndim == 2 else x)
    first = np.zeros(n_skus, dtype=np.int64) if first is None else np.asarray(first, np.int64)
    used = np.arange(n)[:, None] >= first[None, :]  # (n, n_skus)
    n_used = used.sum(axis=0)
    yu = np.where(used, y, 0.0)
    mean = yu.sum(axis=0) / np.maximum(n_used, 1)
    reason = np.full(n_skus, "", dtype=object)
    reason[~np.any(yu > 0, axis=0)] = "no demand in the fitted rows"
    reason[(reason == "") & (n_used <= p)] = "too few rows for the regressors"
    reason[(reason == "") & ~np.all(np.isfinite(yu), axis=0)] = "non-finite demand"
    params = np.zeros((n_skus, p))
    dev = np.full(n_skus, np.nan)
    iters = np.zeros(n_skus, dtype=np.int64)
    alphas = np.zeros(n_skus)
    status = np.where(reason == "", _OK, _SKIP).astype(np.int64)
    with np.errstate(all="ignore"):
        # a regressor that is 0 on every fitted row of a SKU: coefficient 0 (min-norm)
        nonzero = np.ascontiguousarray(np.any((x3 != 0) & used[:, :, None], axis=0))
        _irls(y, x3, first, nonzero, alphas, params, False, False, tol, max_iter, MAX_CONDITION,
              dev, iters, status)  # fmt: skip
        if negative_binomial:
            todo = np.flatnonzero(status == _OK)
            if alpha is not None:
                alphas[:] = alpha
            elif todo.size:
                eta = (
                    x @ params[todo].T
                    if x.ndim == 2
                    else np.einsum("nsp,sp->ns", x[:, todo], params[todo])
                )
                mu = np.exp(eta)
                yt, ut = y[:, todo], used[:, todo]
                num = np.sum(np.where(ut, (yt - mu) ** 2 - yt, 0.0), axis=0)
                den = np.sum(np.where(ut, mu**2, 0.0), axis=0)
                ratio = num / np.where(den > 0, den, 1.0)
                alphas[todo] = np.where(den > 0, np.maximum(ratio, MIN_ALPHA), MIN_ALPHA)
            _irls(y, x3, first, nonzero, alphas, params, True, True, tol, max_iter, MAX_CONDITION,
                  dev, iters, status)  # fmt: skip
    for code, text in _REASONS.items():
        reason[status == code] = text.format(max_iter=max_iter)
    ok = status == _OK
    return BatchGlmFit(params, alphas, mean, dev, iters, ok, reason)


_OK, _SKIP, _SINGULAR, _NONFINITE, _NOT_CONVERGED = 0, 1, 2, 3, 4
_REASONS = {
    _SINGULAR: "singular or ill-conditioned weighted least squares",
    _NONFINITE: "non-finite estimates",
    _NOT_CONVERGED: "not converged in {max_iter} iterations",
}


@compiled
def _irls(y, x, first, nonzero, alpha, params, nb, warm, tol, max_iter, max_cond, dev, iters,
          status):  # fmt: skip
    """IRLS of every SKU ``j`` with ``status[j] == 0`` on rows ``first[j]:`` of ``y[:, j]``
    and ``x[:, j or 0]`` (columns ``nonzero[j]``; the others get 0), Poisson or (``nb``) NB2
    with dispersion ``alpha[j]``; from statsmodels' starting mu, or (``warm``) from
    ``params[j]``. Writes ``params``, ``dev`` (final deviance), ``iters`` and ``status``
    (2 ill-conditioned, 3 non-finite, 4 not converged)."""
    n, n_skus = y.shape
    p = x.shape[2]
    eps = np.finfo(np.float64).eps
    for j in range(n_skus):
        if status[j] != 0:
            continue
        f = first[j]
        m = n - f
        xj = 0 if x.shape[1] == 1 else j
        cols = np.flatnonzero(nonzero[j])
        k = cols.size
        yy = y[f:, j]
        xx = np.empty((m, k))
        for r in range(m):
            for c in range(k):
                xx[r, c] = x[f + r, xj, cols[c]]
        a = alpha[j]
        inv = 1.0 / a if nb else 0.0
        eta = np.empty(m)
        mu = np.empty(m)
        if warm:
            for r in range(m):
                s = 0.0
                for c in range(k):
                    s += xx[r, c] * params[j, cols[c]]
                eta[r] = s
                mu[r] = np.exp(s)
        else:
            ybar = 0.0
            for r in range(m):
                ybar += yy[r]
            ybar /= m
            for r in range(m):
                mu[r] = (yy[r] + ybar) / 2.0
                eta[r] = np.log(max(mu[r], eps))
        last = _deviance_one(yy, mu, nb, inv, eps)
        if not np.isfinite(last):
            status[j] = 3
            continue
        a_t = np.empty((k, m))  # sqrt(W) X, transposed: each column contiguous
        b = np.empty(m)
        beta = np.zeros(k)
        st = 4
        for it in range(1, max_iter + 1):
            for r in range(m):
                mc = max(mu[r], eps)
                var = mc + a * mc * mc if nb else abs(mu[r])
                sw = np.sqrt(mc * mc / var)  # w = 1 / (g'(mu)^2 V(mu)), g'(mu) = 1 / mu
                b[r] = sw * (eta[r] + (yy[r] - mu[r]) / mc)
                for c in range(k):
                    a_t[c, r] = sw * xx[r, c]
            ok = _qr_solve(a_t, b, beta)
            if ok != 0:
                st = ok
                break
            for r in range(m):
                s = 0.0
                for c in range(k):
                    s += xx[r, c] * beta[c]
                eta[r] = s
                mu[r] = np.exp(s)
            new = _deviance_one(yy, mu, nb, inv, eps)
            if not np.isfinite(new):
                st = 3
                break
            iters[j] = it
            # np.allclose(last, new, atol=tol, rtol=0), as statsmodels' _check_convergence
            if abs(last - new) <= tol:
                # the returned step must be well determined (the ones before need not)
                st = 0 if _condition(a_t) <= max_cond else 2
                dev[j] = new
                break
            last = new
        status[j] = st
        if st == 0:
            for c in range(p):
                params[j, c] = 0.0
            for c in range(k):
                params[j, cols[c]] = beta[c]


@compiled
def _deviance_one(y, mu, nb, inv, eps):
    """statsmodels' Poisson (``nb`` False) or NB2 (``inv = 1 / alpha``) deviance."""
    d = 0.0
    for r in range(y.size):
        t = y[r] * np.log(max(y[r] / mu[r], eps))
        if nb:
            t -= (y[r] + inv) * np.log((y[r] + inv) / (mu[r] + inv))
        else:
            t -= y[r] - mu[r]
        d += 2.0 * t
    return d


@compiled
def _qr_solve(a_t, b, beta):
    """``beta`` minimising ``|a beta - b|`` by Householder QR of ``a`` (given transposed,
    ``a_t`` ``(k, m)``) with columns scaled to unit length; ``a_t`` is overwritten by the
    factorisation (``R`` in its upper triangle, transposed) and ``b`` by ``Q' b``. 0, or 2
    where a column is zero, 3 where a number is not finite."""
    k, m = a_t.shape
    scale = np.empty(k)
    for c in range(k):
        col = a_t[c]
        s = 0.0
        for r in range(m):
            s += col[r] * col[r]
        s = np.sqrt(s)
        if not np.isfinite(s):
            return 3
        if s == 0.0:
            return 2
        scale[c] = s
        for r in range(m):
            col[r] /= s
    for c in range(k):
        # Householder reflection H = I - 2 v v' / (v'v) of column c below the diagonal
        v = a_t[c]
        norm = 0.0
        for r in range(c, m):
            norm += v[r] * v[r]
        norm = np.sqrt(norm)
        if norm == 0.0:
            return 2
        alpha = -norm if v[c] >= 0 else norm
        v0 = v[c] - alpha
        vtv = v0 * v0 + (norm * norm - v[c] * v[c])
        v[c] = v0  # v = (v0, a[c+1:, c])
        for cc in range(c + 1, k):
            _reflect(v, a_t[cc], c, vtv)
        _reflect(v, b, c, vtv)
        v[c] = alpha
    for r in range(k - 1, -1, -1):  # R beta = Q' b, R[r, c] = a_t[c, r]
        s = b[r]
        for c in range(r + 1, k):
            s -= a_t[c, r] * beta[c]
        beta[r] = s / a_t[r, r]
    for c in range(k):
        if not np.isfinite(beta[c]):
            return 3
        beta[c] /= scale[c]
    return 0


@compiled
def _reflect(v, w, start, vtv):
    """``w`` times the Householder reflection ``I - 2 v v' / vtv``, on rows ``start:``."""
    s = 0.0
    for r in range(start, v.size):
        s += v[r] * w[r]
    s *= 2.0 / vtv
    for r in range(start, v.size):
        w[r] -= s * v[r]


@compiled
def _condition(a_t):
    """The condition number of ``R`` left in ``a_t`` by :func:`_qr_solve` (that of the
    column-scaled ``a``); inf where it is not finite."""
    k = a_t.shape[0]
    rr = np.zeros((k, k))
    for r in range(k):
        for c in range(r, k):
            rr[r, c] = a_t[c, r]
    if not np.all(np.isfinite(rr)):
        return np.inf
    return np.linalg.cond(rr)
