"""Fitting one statistical model per SKU, in chunks across worker processes.

statsmodels estimates one series at a time (an ETS, ARIMA or GLM likelihood per SKU), so a
node with a thousand SKUs means a thousand independent optimisations. :func:`fit_per_sku`
runs them with joblib's ``loky`` backend (fresh, reusable worker processes; joblib docs,
"Embarrassingly parallel for loops"):

* SKUs travel in chunks, several per worker, so that each task carries many SKUs and the
  cost of shipping data to a process is paid a few times per fit, not once per SKU;
* every worker runs with ONE BLAS/OpenMP thread (``inner_max_num_threads=1`` sets
  ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ... in the workers,
  and ``threadpoolctl.threadpool_limits(1)`` holds the limit inside the chunk), because
  small per-SKU matrices gain nothing from threads and oversubscription costs a lot (on a
  busy 2-core machine, OpenBLAS threads contending made ETS fits up to 8x slower).
  ``threadpool_limits`` reaches only the libraries already loaded: modules that hand fits
  to this engine import their statistics libraries at import time, not inside the fit;
* ``n_jobs=1`` runs the same chunk function in this process, with no pool.

Robustness: a SKU whose model raises, or returns non-finite estimates, is fitted again with
the next, simpler model of the chain (e.g. ETS -> simple exponential smoothing -> the mean
of the history). The run never stops for one SKU. After the fit ONE ``logging.warning``
summarises which SKUs fell back and why; the warnings that statsmodels raises inside fits
(``ConvergenceWarning`` and the like) are silenced and counted in that summary (or, when
no SKU fell back, in one ``logging.info`` line).

Results do not depend on ``n_jobs`` or on the chunking: each SKU is fitted by the same
pure function of its own column.

Progress: fits that run longer than :data:`PROGRESS_DELAY` seconds show it on stderr -- a
tqdm bar when stderr is a terminal, else one plain line per tenth of the SKUs (``ETS(A,N,A):
fitted 200/1000 series (12 s)``), so that a run whose output goes to a file still says
where it is. In worker processes progress counts finished chunks.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

__all__ = [
    "ESTIMATORS",
    "Estimator",
    "FitOne",
    "PerSkuFits",
    "all_finite",
    "check_exog",
    "check_horizon",
    "check_n_jobs",
    "check_period",
    "fit_per_sku",
    "is_int",
]

log = logging.getLogger(__name__)

#: Fits one SKU: ``fit_one(y, exog) -> result`` with ``y`` of shape ``(n_periods,)`` and
#: ``exog`` ``(n_periods, n_features)`` (that SKU's regressors) or None. It must be
#: picklable (a module-level function or a ``functools.partial`` of one) to run in worker
#: processes.
FitOne = Callable[[np.ndarray, np.ndarray | None], Any]

#: Who estimates a statistical forecaster's parameters: statsmodels, one model per SKU
#: (the reference), or a batch estimator of this package, all SKUs at once.
Estimator = Literal["statsmodels", "batch"]
ESTIMATORS: tuple[Estimator, ...] = ("statsmodels", "batch")

#: Chunks per worker: enough for load balancing, few enough that each carries many SKUs.
CHUNKS_PER_WORKER = 4
#: How many SKU indices the summary warning lists per group before it abbreviates.
MAX_LISTED = 10
#: Seconds a fit runs before it shows its progress.
PROGRESS_DELAY = 3.0
#: Plain progress lines (stderr not a terminal) per fit: one per this share of the SKUs.
PROGRESS_LINES = 10


class FitProgress:
    """Progress of ``total`` per-SKU fits on stderr, once they have run ``delay`` seconds:
    a tqdm bar on a terminal, else a line every ``total / PROGRESS_LINES`` fits."""

    def __init__(self, total: int, name: str, delay: float | None = None):
        self.total = total
        self.name = name
        self.delay = PROGRESS_DELAY if delay is None else delay
        self.done = 0
        self.start = time.perf_counter()
        self.every = max(1, -(-total // PROGRESS_LINES))
        self._next_line = self.every
        self._bar = None
        self._tty = _is_terminal(sys.stderr)

    def advance(self, n: int = 1) -> None:
        self.done += n
        elapsed = time.perf_counter() - self.start
        if self._bar is not None:
            self._bar.update(n)
            return
        if elapsed < self.delay:
            return
        if self._tty:
            from tqdm import tqdm

            self._bar = tqdm(
                total=self.total,
                initial=self.done,
                desc=self.name,
                unit="SKU",
                file=sys.stderr,
                leave=False,
                disable=None,
            )
            return
        if self.done >= self._next_line or self.done == self.total:
            print(
                f"{self.name}: fitted {self.done}/{self.total} series ({elapsed:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            while self._next_line <= self.done:
                self._next_line += self.every

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class PerSkuFits:
    """What :func:`fit_per_sku` found, SKU by SKU.

    ``results[i]``: what the model that succeeded on SKU ``i`` returned. ``model[i]``: its
    position in the chain (0 = main model, 1 = first fallback, ...), named by
    ``labels``. ``reasons[i]``: why the models before it failed, for fallen-back SKUs.
    ``warning_counts``: warnings silenced inside the fits, by category name.
    """

    results: list[Any]
    model: np.ndarray
    labels: tuple[str, ...]
    reasons: dict[int, str]
    warning_counts: dict[str, int]

    @property
    def fell_back(self) -> np.ndarray:
        """Indices of the SKUs fitted by a fallback model."""
        return np.flatnonzero(self.model > 0)


def is_int(v: Any) -> bool:
    """Whether ``v`` is an integer (and not a bool)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def check_horizon(h: Any) -> int:
    """The forecast horizon ``h`` as an int >= 1, or a ValueError."""
    if not is_int(h) or h < 1:
        raise ValueError(f"h(={h!r}) must be an integer >= 1")
    return int(h)


def check_period(y_new: Any, n: int) -> np.ndarray:
    """One period of demand for ``n`` SKUs as a finite float ``(n,)`` array, or a ValueError."""
    y = np.asarray(y_new, dtype=float).reshape(-1)
    if y.shape != (n,):
        raise ValueError(f"y_new must have shape ({n},), got {np.shape(y_new)}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y_new holds NaN or infinite values")
    return y


@overload
def check_exog(exog: None, rows: int, name: str, n_skus: int | None = None) -> None: ...


@overload
def check_exog(exog: np.ndarray, rows: int, name: str, n_skus: int | None = None) -> np.ndarray: ...


@overload
def check_exog(
    exog: np.ndarray | None, rows: int, name: str, n_skus: int | None = None
) -> np.ndarray | None: ...


def check_exog(exog: Any, rows: int, name: str, n_skus: int | None = None) -> np.ndarray | None:
    """Exogenous regressors as a finite float array: ``(rows, n_features)``, the same for
    every SKU (a 1-D array is one feature), or -- when ``n_skus`` is given -- also
    ``(rows, n_skus, n_features)``, per SKU (see ``forecasters/base.py``); None for None;
    a ValueError naming ``name`` otherwise."""
    if exog is None:
        return None
    x = np.asarray(exog, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    shared = x.ndim == 2 and x.shape[0] == rows
    per_sku = n_skus is not None and x.ndim == 3 and x.shape[:2] == (rows, n_skus)
    if not (shared or per_sku):
        forms = f"({rows}, n_features)"
        if n_skus is not None:
            forms += f" or ({rows}, {n_skus}, n_features)"
        raise ValueError(f"{name} must have shape {forms}, got {np.shape(exog)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return x


def check_n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as an int (joblib's convention: ``-1`` = all cores), or a ValueError."""
    if not is_int(n_jobs) or n_jobs == 0:
        raise ValueError(f"n_jobs(={n_jobs!r}) must be a non-zero integer (-1 = all cores)")
    return int(n_jobs)


def all_finite(result: Any) -> bool:
    """Whether every number in ``result`` (array, scalar, tuple, list or dict) is finite."""
    if isinstance(result, dict):
        return all(all_finite(v) for v in result.values())
    if isinstance(result, tuple | list):
        return all(all_finite(v) for v in result)
    if result is None or isinstance(result, str | bool):
        return True
    arr = np.asarray(result)
    if arr.dtype.kind in "fc":
        return bool(np.all(np.isfinite(arr)))
    return True


def fit_per_sku(
    fit_one: FitOne,
    y: np.ndarray,
    exog: np.ndarray | None = None,
    *,
    n_jobs: int = 1,
    fallbacks: Sequence[tuple[str, FitOne]] = (),
    name: str = "model",
) -> PerSkuFits:
    """Fit ``fit_one`` to every column of ``y`` ``(n_periods, n_skus)``.

    ``exog``: None, ``(n_periods, n_features)`` handed to every SKU, or
    ``(n_periods, n_skus, n_features)``, of which SKU ``j`` gets ``exog[:, j]``.
    ``fallbacks``: ``(label, fit)`` pairs tried in order on a SKU whose previous model
    raised or returned non-finite numbers (see :func:`all_finite`); the last should not
    fail (the mean of the history). ``name`` labels the main model in the log. A SKU on
    which every model fails is a bug, reported as a RuntimeError.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"y must have shape (n_periods, n_skus), got {y.shape}")
    n_jobs = check_n_jobs(n_jobs)
    chain = ((name, fit_one), *tuple(fallbacks))
    n_skus = y.shape[1]
    workers = _effective_n_jobs(n_jobs)
    progress = FitProgress(n_skus, name)
    try:
        if workers == 1 or n_skus == 1:
            parts = [_fit_chunk(chain, y, exog, 0, progress.advance)]
        else:
            parts = _fit_in_pool(chain, y, exog, workers, progress.advance)
    finally:
        progress.close()
    results: list[Any] = []
    model = np.zeros(n_skus, dtype=np.int64)
    reasons: dict[int, str] = {}
    counts: Counter[str] = Counter()
    for chunk, chunk_counts in parts:
        counts.update(chunk_counts)
        for result, level, reason in chunk:
            sku = len(results)
            results.append(result)
            model[sku] = level
            if level:
                reasons[sku] = reason
    out = PerSkuFits(results, model, tuple(lab for lab, _ in chain), reasons, dict(counts))
    _report(out)
    return out


def _effective_n_jobs(n_jobs: int) -> int:
    if n_jobs == 1:
        return 1
    from joblib import effective_n_jobs

    return max(1, int(effective_n_jobs(n_jobs)))


def _fit_in_pool(chain, y: np.ndarray, exog, workers: int, advance=None) -> list:
    from joblib import Parallel, delayed, parallel_config

    n_skus = y.shape[1]
    n_chunks = min(n_skus, workers * CHUNKS_PER_WORKER)
    bounds = np.linspace(0, n_skus, n_chunks + 1).round().astype(int)
    tasks = (
        delayed(_fit_chunk)(chain, np.ascontiguousarray(y[:, a:b]), _chunk_exog(exog, a, b), int(a))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        if b > a
    )
    # inner_max_num_threads=1 sets OMP_NUM_THREADS=1 etc. in the loky workers; results
    # come back in order, as each chunk finishes, for the progress
    parts = []
    with parallel_config(backend="loky", inner_max_num_threads=1):
        for part in Parallel(n_jobs=workers, max_nbytes=None, return_as="generator")(tasks):
            parts.append(part)
            if advance is not None:
                advance(len(part[0]))
    return parts


def _chunk_exog(exog: np.ndarray | None, a: int, b: int) -> np.ndarray | None:
    """The regressors of SKUs ``a .. b-1``: all of a shared table, a slice of a per-SKU one."""
    if exog is None or exog.ndim == 2:
        return exog
    return np.ascontiguousarray(exog[:, a:b])


def _fit_chunk(
    chain, y: np.ndarray, exog, offset: int, advance=None
) -> tuple[list, dict[str, int]]:
    """Fit every column of ``y`` (SKUs ``offset, offset+1, ...``) down the model chain;
    ``exog`` is shared or holds these SKUs only; ``advance()`` after each SKU (in this
    process only)."""
    from threadpoolctl import threadpool_limits

    out = []
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            for j in range(y.shape[1]):
                x = exog if exog is None or exog.ndim == 2 else np.ascontiguousarray(exog[:, j])
                out.append(_fit_down_chain(chain, np.ascontiguousarray(y[:, j]), x, offset + j))
                if advance is not None:
                    advance()
    counts = Counter(w.category.__name__ for w in caught)
    return out, dict(counts)


def _fit_down_chain(chain, col: np.ndarray, exog, sku: int) -> tuple[Any, int, str]:
    failures = []
    for level, (label, fit) in enumerate(chain):
        try:
            result = fit(col, exog)
        except Exception as exc:  # noqa: BLE001 -- one bad SKU must not stop the run
            failures.append(f"{label}: {type(exc).__name__}: {_short(exc)}")
            continue
        if all_finite(result):
            return result, level, "; ".join(failures)
        failures.append(f"{label}: non-finite estimates")
    raise RuntimeError(f"SKU {sku}: every model of the chain failed ({'; '.join(failures)})")


def _short(exc: Exception, width: int = 90) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _report(fits: PerSkuFits) -> None:
    silenced = ", ".join(f"{n} {cat}" for cat, n in sorted(fits.warning_counts.items()))
    silenced = f"; silenced {silenced} inside the fits" if silenced else ""
    n = len(fits.results)
    fell = fits.fell_back
    main = fits.labels[0]
    if fell.size == 0:
        if silenced:
            log.info("%s fitted on all %d SKUs%s", main, n, silenced)
        return
    groups: dict[tuple[int, str], list[int]] = {}
    for i in fell:
        groups.setdefault((int(fits.model[i]), fits.reasons[int(i)]), []).append(int(i))
    parts = []
    for (level, reason), skus in groups.items():
        listed = ", ".join(map(str, skus[:MAX_LISTED]))
        if len(skus) > MAX_LISTED:
            listed += f", ... ({len(skus)} SKUs)"
        parts.append(f"to {fits.labels[level]} on SKU {listed} ({reason})")
    log.warning(
        "%s failed on %d of %d SKUs, which fell back: %s%s",
        main,
        fell.size,
        n,
        "; ".join(parts),
        silenced,
    )
