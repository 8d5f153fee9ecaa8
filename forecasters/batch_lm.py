"""Levenberg-Marquardt over many independent least-squares problems at once.

Each SKU's maximum-likelihood fit of a linear Gaussian model (ETS with additive errors,
stationary SARIMA(X)) can be written as a non-linear least-squares problem in a handful of
parameters, ``min_x sum_t u_t(x)^2`` (for ETS ``u`` are the one-step errors; for ARIMA the
standardised innovations scaled by the geometric mean of their variances, see
:mod:`forecasters.batch_arima`). The SKUs are independent, but solving them one by one costs
a Python-level optimiser per SKU. :func:`levenberg_marquardt` runs Levenberg (1944) /
Marquardt (1963) iterations on all of them together (More 1978, "The Levenberg-Marquardt
algorithm: implementation and theory", for the damping schedule):

* the residuals of every SKU, and of every SKU with each parameter nudged (forward
  differences for the Jacobian), come from ONE call of ``residuals``, which is vectorised
  over SKUs and parameter sets (a numpy recursion over periods, arrays over SKUs);
* each SKU has its own damping ``lambda`` and stops on its own (relative decrease of the
  sum of squares below ``ftol``, or a step below ``xtol``); later iterations work on the
  SKUs still moving only.

Deterministic: the same inputs give the same result bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["levenberg_marquardt"]

#: ``residuals(x, skus) -> u``: ``x`` ``(n_sets, len(skus), n_params)`` parameter sets of the
#: SKUs ``skus`` (indices), ``u`` ``(n_sets, len(skus), n_residuals)``; non-finite residuals
#: mark a point the optimiser must not move to.
Residuals = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _cost(u: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        c = np.einsum("...t,...t->...", u, u)
    return np.where(np.isfinite(c), c, np.inf)


def levenberg_marquardt(
    residuals: Residuals,
    x0: np.ndarray,
    *,
    max_iter: int = 50,
    ftol: float = 1e-7,
    xtol: float = 1e-6,
    step: float = 1e-6,
    lower: np.ndarray | float = -np.inf,
    upper: np.ndarray | float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise ``sum_t u_t(x)^2`` for every SKU from ``x0`` ``(n_skus, n_params)``, with
    the parameters kept in the box ``[lower, upper]`` (``(n_params,)`` or scalars): a
    parameter on a bound that the step would push out of the box is held there for that
    iteration (a projected Levenberg-Marquardt step).

    One call of ``residuals`` per iteration: it evaluates each SKU's trial point together
    with the trial point nudged along every parameter, so that when the trial is accepted
    its Jacobian (forward differences) is at hand, and when it is rejected the old one is
    kept and only the damping grows. Returns the parameters ``(n_skus, n_params)``, the
    final sums of squares ``(n_skus,)`` and the iterations each SKU took. A SKU whose
    start gives non-finite residuals keeps ``x0`` with an infinite cost (the caller falls
    back)."""
    x = np.array(x0, dtype=float)
    n_skus, d = x.shape
    lower = np.broadcast_to(np.asarray(lower, dtype=float), (d,))
    upper = np.broadcast_to(np.asarray(upper, dtype=float), (d,))
    x = np.clip(x, lower, upper)
    u, jac = _with_jacobian(residuals, x, np.arange(n_skus), step)
    cost = _cost(u)
    lam = np.full(n_skus, 1e-3)
    iters = np.zeros(n_skus, dtype=np.int64)
    active = np.isfinite(cost)
    eye = np.eye(d)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xa, ua, ja = x[idx], u[idx], jac[idx]
        a = np.einsum("nti,ntj->nij", ja, ja)
        g = np.einsum("nti,nt->ni", ja, ua)
        diag = np.einsum("nii->ni", a)
        scale = np.maximum(diag, 1e-12 * np.maximum(diag.max(axis=1, keepdims=True), 1e-300))
        lhs = a + (lam[idx, None, None] * scale[:, :, None]) * eye
        # descent direction -g: a parameter on a bound with -g pointing out stays put
        held = ((xa <= lower) & (g > 0)) | ((xa >= upper) & (g < 0))
        free = ~held
        lhs = np.where(free[:, :, None] & free[:, None, :], lhs, 0.0) + held[:, :, None] * eye
        delta = -np.linalg.solve(lhs, np.where(free, g, 0.0)[:, :, None])[:, :, 0]
        delta = np.where(np.isfinite(delta), delta, 0.0)
        trial = np.clip(xa + delta, lower, upper)
        delta = trial - xa
        u_new, j_new = _with_jacobian(residuals, trial, idx, step)
        new_cost = _cost(u_new)
        old = cost[idx]
        better = new_cost < old
        iters[idx] += 1
        acc = idx[better]
        x[acc], u[acc], jac[acc], cost[acc] = (
            trial[better],
            u_new[better],
            j_new[better],
            new_cost[better],
        )
        damping = lam[idx].copy()
        lam[idx] = np.where(better, np.maximum(lam[idx] / 3.0, 1e-12), lam[idx] * 4.0)
        # converged: an accepted step gained little, or the local model promises little
        # (a rejected step near the optimum; no need to wait for the damping to blow up)
        tol = ftol * np.maximum(old, 1e-300)
        predicted = -(
            2.0 * np.einsum("ni,ni->n", g, delta) + np.einsum("ni,nij,nj->n", delta, a, delta)
        )
        # (only while the damping is light: a heavily damped step always promises little)
        small_f = (better & (old - new_cost <= tol)) | ((predicted <= tol) & (damping <= 1e-2))
        small_x = better & np.all(np.abs(delta) <= xtol * (1.0 + np.abs(xa)), axis=1)
        stuck = lam[idx] > 1e8
        active[idx[small_f | small_x | stuck]] = False
    return x, cost, iters


def _with_jacobian(
    residuals: Residuals, x: np.ndarray, skus: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """Residuals at ``x`` ``(n, d)`` and their forward-difference Jacobian ``(n, T, d)``,
    from one call of ``residuals``; non-finite residuals are kept (the cost is infinite),
    non-finite Jacobian entries set to 0."""
    n, d = x.shape
    h = step * np.maximum(1.0, np.abs(x))
    sets = np.broadcast_to(x, (d + 1, n, d)).copy()
    for i in range(d):
        sets[i + 1, :, i] += h[:, i]
    u_all = residuals(sets, skus)  # (d + 1, n, T)
    u = u_all[0]
    with np.errstate(all="ignore"):
        jac = (u_all[1:] - u[None]) / h.T[:, :, None]  # (d, n, T)
    jac = np.where(np.isfinite(jac), jac, 0.0)
    return u, np.moveaxis(jac, 0, -1)
