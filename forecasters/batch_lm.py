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

:func:`compiled` compiles the estimators' per-period recursions (numba), and
:func:`cross_products` forms the normal equations of their profiled linear parameters; both
shared by :mod:`forecasters.batch_ets` and :mod:`forecasters.batch_arima`.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

__all__ = ["compiled", "cross_products", "levenberg_marquardt"]

#: ``residuals(x, skus) -> u``: ``x`` ``(n_sets, len(skus), n_params)`` parameter sets of the
#: SKUs ``skus`` (indices), ``u`` ``(n_sets, len(skus), n_residuals)``; non-finite residuals
#: mark a point the optimiser must not move to.
Residuals = Callable[[np.ndarray, np.ndarray], np.ndarray]


def compiled(func: Callable) -> Callable:
    """``func`` compiled by numba: explicit loops over float64 arrays, run as written (no
    fast-math, so the floating-point operations happen in the same order as in numpy and
    give the same results bit for bit; division by zero gives inf or nan, as numpy). The
    machine code is cached on disk (``__pycache__``, else numba's user-wide cache
    directory), so that only the first run compiles (a few seconds); where no cache
    directory is writable, every run compiles."""
    try:
        return numba.njit(cache=True, error_model="numpy")(func)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return numba.njit(error_model="numpy")(func)


@compiled
def _cross_products(z, gram, rhs):
    n, n_sets, big_n, n_cols = z.shape
    for t in range(n):
        for s in range(n_sets):
            for j in range(big_n):
                for a in range(1, n_cols):
                    za = z[t, s, j, a]
                    for b in range(1, n_cols):
                        gram[s, j, a - 1, b - 1] += za * z[t, s, j, b]
                    rhs[s, j, a - 1] += za * z[t, s, j, 0]


def cross_products(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``E'E`` ``(S, N, C-1, C-1)`` and ``E'e`` ``(S, N, C-1)`` of the columns ``z``
    ``(n, S, N, C)``, ``e = z[..., 0]``, ``E = z[..., 1:]``, summed over periods: the
    same as ``np.einsum("tsni,tsnj->snij", E, E)`` and ``np.einsum("tsni,tsn->sni", E,
    e)``, bit for bit (both add the products period by period), without einsum's
    overhead on such small matrices."""
    n, n_sets, big_n, n_cols = z.shape
    gram = np.zeros((n_sets, big_n, n_cols - 1, n_cols - 1))
    rhs = np.zeros((n_sets, big_n, n_cols - 1))
    _cross_products(np.ascontiguousarray(z, dtype=np.float64), gram, rhs)
    return gram, rhs


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
