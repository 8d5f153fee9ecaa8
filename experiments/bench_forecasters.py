"""``python -m experiments.bench_forecasters``: speed of the per-SKU statsmodels forecasters.

Data: ``--skus`` SKUs (default 1,000) x ``--days`` days (default 365) of Poisson demand with
a weekly cycle, ``lambda = level * (1 + 0.3 sin(2 pi t / 7))``, levels log-uniform on 2..50.

Cases (wall-clock seconds and SKU-fits per second; CPU seconds of the main process):

bare.  a plain Python loop of ``ETSModel(y, error="add", seasonal="add",
       seasonal_periods=7).fit(disp=False)`` over the SKUs, with one BLAS thread like
       ``ETS.fit`` (``--default-threads`` adds the loop with the default BLAS threads:
       on a busy 2-core machine OpenBLAS threads contend and it runs several times slower);
bare_params.  the same loop with the calls ``ETS.fit`` makes per SKU:
       ``fit(disp=False, return_params=True)`` and ``smooth(params, return_raw=True)``;
serial.  ``ETS(seasonal="add", n_jobs=1).fit(y)``, ETS(A,N,A);
parallel.  the same with ``n_jobs=--jobs`` (default 2), worker pool started beforehand
       (the cold start, pool creation and imports in the workers, is reported apart).

The SKUs are split into ``--rounds`` blocks and the cases take turns on each block, in a
rotating order, so that background load on a shared machine hits every case alike; the
1-minute load average before and after is printed. The overhead is given on wall-clock
and on CPU time (the latter barely moved by other processes).

Targets (the task that introduced these forecasters): parallel/serial speed-up >= 1.7 with
2 workers; serial over bare <= 10 % overhead. With ``--others N`` it also times fit, update
and predict of ARIMA(1,0,1), SARIMA(1,0,1)(1,0,1)_7 and the Poisson GLM on N SKUs.

Forecast-driven cases (``--driven N``, N SKUs; the README's runs use 100): a forecaster
run as the simulation runs it (``sim/forecasting.py``): fitted on 112 periods of history,
then for 393 periods a forecast, an update, and a re-fit every 28 periods (15 fits in
all), on the demand above with planned promotions (3-day runs starting with probability
0.03 a day, doubling demand). Cases: ``ets`` (ETS(A,N,N), ``forecaster=ets``) and
``arima`` (ARIMA(1,0,1) with the promotion column, the README's ARIMA example), each with
``estimator: batch`` (the default) and, with ``--old``, ``estimator: statsmodels`` (one
statsmodels fit per SKU; minutes for ARIMA). Reported: seconds, and the one-step MAE and
RMSE of the forecasts. Measured on the 2-core machine of issue #11 before the batch
estimators (statsmodels): about 9 s (ETS) and 260 s (ARIMA) for 100 SKUs.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np


def demand(n_skus: int, n_days: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level = np.exp(rng.uniform(np.log(2.0), np.log(50.0), n_skus))
    t = np.arange(n_days)[:, None]
    lam = level[None, :] * (1.0 + 0.3 * np.sin(2.0 * np.pi * t / 7.0))
    return rng.poisson(lam).astype(float)


def bare_loop(y: np.ndarray, *, like_ets_fit: bool = False, blas_threads: int | None = 1) -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(), threadpool_limits(limits=blas_threads):
        warnings.simplefilter("ignore")
        for j in range(y.shape[1]):
            model = ETSModel(y[:, j], error="add", seasonal="add", seasonal_periods=7)
            if like_ets_fit:
                params = model.fit(disp=False, return_params=True)
                model.smooth(params, return_raw=True)
            else:
                model.fit(disp=False)


def ets_fit(y: np.ndarray, n_jobs: int):
    from forecasters.ets import ETS

    return ETS(seasonal="add", n_jobs=n_jobs).fit(y)


def timed(fn, *args, **kwargs) -> tuple[float, float, object]:
    """Wall-clock and this process's CPU seconds of ``fn(*args, **kwargs)``, and its value."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - w0, time.process_time() - c0, out


def cpu_snapshot() -> tuple[float, float] | None:
    """CPU seconds used so far by the whole machine and by this process with its child
    processes (the worker pool), from ``/proc`` (Linux); None elsewhere. Their difference
    over a case is the CPU that other programs took from the benchmark."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as fh:
            f = [int(v) for v in fh.readline().split()[1:]]
        machine = (sum(f[:3]) + sum(f[5:8])) / tick  # user nice system irq softirq steal
        me = os.getpid()
        ours = 0.0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == me or int(stat[1]) == me:  # stat[1] is the parent's pid
                ours += (int(stat[11]) + int(stat[12])) / tick  # utime + stime
        return machine, ours
    except (OSError, ValueError, AttributeError):
        return None


def cheap_calls(f, y_new: np.ndarray, h: int = 14, repeat: int = 20) -> dict:
    t0 = time.perf_counter()
    for _ in range(repeat):
        f.update(y_new)
    update = (time.perf_counter() - t0) / repeat
    t0 = time.perf_counter()
    for _ in range(repeat):
        f.predict(h)
    predict = (time.perf_counter() - t0) / repeat
    return {"update_seconds": update, "predict_seconds": predict, "h": h}


def other_models(y: np.ndarray) -> dict:
    from forecasters.arima import ARIMA
    from forecasters.glm import GLMRegression

    out = {}
    for name, f in (
        ("arima", ARIMA()),
        ("sarima", ARIMA(seasonal_order=[1, 0, 1, 7])),
        ("glm", GLMRegression()),
    ):
        t0 = time.perf_counter()
        f.fit(y[:-1])
        fit = time.perf_counter() - t0
        out[name] = {"fit_seconds": fit, "sku_fits_per_s": y.shape[1] / fit}
        out[name].update(cheap_calls(f, y[-1]))
    return out


def promotions(n_periods: int, n_skus: int, seed: int = 1) -> np.ndarray:
    """Planned promotions ``(n_periods, n_skus)``: 3-day runs, starting w.p. 0.03 a day."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(size=(n_periods, n_skus)) < 0.03
    flag = np.zeros((n_periods, n_skus))
    for lag in range(3):
        flag[lag:] = np.maximum(flag[lag:], starts[: n_periods - lag])
    return flag


def driven(
    forecaster,
    y: np.ndarray,
    exog: np.ndarray | None,
    history: int = 112,
    refit_every: int = 28,
    h: int = 7,
) -> dict:
    """Run ``forecaster`` as the simulation's driver does; seconds and one-step accuracy."""
    t0 = time.perf_counter()
    forecaster.fit(y[:history], None if exog is None else exog[:history])
    errors = []
    for t in range(history, y.shape[0]):
        future = None if exog is None else exog[t : t + h]
        if future is not None and future.shape[0] < h:
            future = np.concatenate([future, np.repeat(future[-1:], h - future.shape[0], 0)])
        errors.append(y[t] - forecaster.predict(h, future).mean[0])
        forecaster.update(y[t], None if exog is None else exog[t])
        if (t - history + 1) % refit_every == 0:
            forecaster.refit(y[: t + 1], None if exog is None else exog[: t + 1])
    seconds = time.perf_counter() - t0
    e = np.array(errors)
    return {
        "seconds": seconds,
        "mae": float(np.abs(e).mean()),
        "rmse": float(np.sqrt((e**2).mean())),
    }


def driven_cases(n_skus: int, old: bool) -> dict:
    from forecasters.arima import ARIMA
    from forecasters.ets import ETS

    n_periods = 112 + 393
    promo = promotions(n_periods, n_skus)
    y = np.random.default_rng(2).poisson(demand(n_skus, n_periods, seed=3) * (1.0 + promo))
    y = y.astype(float)
    x = promo[:, :, None]
    estimators = ("batch", "statsmodels") if old else ("batch",)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for estimator in estimators:
            out[f"ets/{estimator}"] = driven(ETS(estimator=estimator), y, None)
            out[f"arima/{estimator}"] = driven(ARIMA(use_exog=True, estimator=estimator), y, x)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skus", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=4, help="interleaved blocks of SKUs")
    ap.add_argument(
        "--default-threads",
        action="store_true",
        help="also time the bare loop with the default BLAS threads (oversubscribed)",
    )
    ap.add_argument("--others", type=int, default=0, help="SKUs for ARIMA/SARIMA/GLM (0: skip)")
    ap.add_argument("--json", action="store_true", help="print one JSON object only")
    ap.add_argument(
        "--driven", type=int, default=0, help="SKUs of the forecast-driven ETS and ARIMA cases"
    )
    ap.add_argument(
        "--old", action="store_true", help="also run the driven cases with estimator=statsmodels"
    )
    ap.add_argument("--driven-only", action="store_true", help="run the forecast-driven cases only")
    args = ap.parse_args(argv)
    if args.driven_only:
        res = {"driven": driven_cases(args.driven or 100, args.old)}
        _print_driven(res["driven"], args.driven or 100, args.json)
        return res
    y = demand(args.skus, args.days)
    n = y.shape[1]
    load_before = os.getloadavg()[0]
    # cold start of the pool: process creation and statsmodels imports in the workers
    t_cold, _, _ = timed(ets_fit, y[:, : 4 * args.jobs], args.jobs)
    # and first calls in this process (imports, caches), so that no case pays for them
    warm = y[:, :4]
    ets_fit(warm, 1)
    bare_loop(warm)
    bare_loop(warm, like_ets_fit=True)
    cases = {
        "bare": lambda b: bare_loop(b),
        "bare_params": lambda b: bare_loop(b, like_ets_fit=True),
        "serial": lambda b: ets_fit(b, 1),
        "parallel": lambda b: ets_fit(b, args.jobs),
    }
    if args.default_threads:
        cases["bare_default_threads"] = lambda b: bare_loop(b, blas_threads=None)
    wall = dict.fromkeys(cases, 0.0)
    cpu = dict.fromkeys(cases, 0.0)
    tree = dict.fromkeys(cases, 0.0)  # CPU of this process and its workers
    others = dict.fromkeys(cases, 0.0)  # CPU taken by other programs meanwhile
    names = list(cases)
    blocks = np.array_split(np.arange(n), max(1, min(args.rounds, n)))
    fitted = []
    for r, idx in enumerate(blocks):
        # rotate the order so that a burst of background load hits every case alike
        for name in names[r % len(names) :] + names[: r % len(names)]:
            before = cpu_snapshot()
            w, c, out = timed(cases[name], y[:, idx])
            after = cpu_snapshot()
            wall[name] += w
            cpu[name] += c
            if before and after:
                tree[name] += after[1] - before[1]
                others[name] += max((after[0] - before[0]) - (after[1] - before[1]), 0.0)
            if name == "serial":
                fitted.append(out)
    load_after = os.getloadavg()[0]
    # one forecaster on all SKUs, for the cost of update and predict
    serial_all = ets_fit(y, args.jobs) if len(blocks) > 1 else fitted[0]
    res = {
        "skus": n,
        "days": args.days,
        "model": "ETS(A,N,A)",
        "jobs": args.jobs,
        "rounds": len(blocks),
        "wall_seconds": wall,
        "cpu_seconds_main_process": cpu,
        "cpu_seconds_with_workers": tree,
        "cpu_seconds_other_programs": others,
        "fits_per_s": {k: n / v for k, v in wall.items()},
        "speedup": wall["serial"] / wall["parallel"],
        # what the speed-up would have been had the workers had the cores to themselves:
        # the workers' CPU spread evenly over the jobs (an estimate, not a measurement)
        "speedup_estimate_free_cores": (
            wall["serial"] / (tree["parallel"] / args.jobs) if tree["parallel"] > 0 else None
        ),
        "overhead_vs_bare_wall": wall["serial"] / wall["bare"] - 1.0,
        "overhead_vs_bare_cpu": cpu["serial"] / cpu["bare"] - 1.0,
        "overhead_vs_bare_params_wall": wall["serial"] / wall["bare_params"] - 1.0,
        "overhead_vs_bare_params_cpu": cpu["serial"] / cpu["bare_params"] - 1.0,
        "pool_cold_start_seconds": t_cold,
        "load_average_1min": [load_before, load_after],
        "fell_back": int(serial_all.fits_.fell_back.size),
        "ets": cheap_calls(serial_all, y[-1]),
    }
    if args.others:
        res["others"] = other_models(y[:, : args.others])
    if args.driven:
        res["driven"] = driven_cases(args.driven, args.old)
    if args.json:
        print(json.dumps(res))
        return res
    print(f"ETS(A,N,A), {n} SKUs x {args.days} days, {len(blocks)} interleaved rounds")
    labels = {
        "bare": "bare loop of fit(disp=False)",
        "bare_params": "bare loop of ETS.fit's own calls",
        "serial": "ETS.fit n_jobs=1",
        "parallel": f"ETS.fit n_jobs={args.jobs}",
        "bare_default_threads": "bare loop, default BLAS threads",
    }
    for k in cases:
        label = labels[k]
        print(
            f"  {label:34s} {wall[k]:8.2f} s wall {n / wall[k]:7.1f} fits/s"
            f"  CPU: main {cpu[k]:6.2f} s, with workers {tree[k]:6.2f} s,"
            f" other programs {others[k]:6.2f} s"
        )
    print(f"  speed-up n_jobs={args.jobs} over n_jobs=1: {res['speedup']:.2f}x (target >= 1.7)")
    if res["speedup_estimate_free_cores"]:
        print(
            f"  (estimate with the cores free of other programs: serial wall / (workers' CPU /"
            f" {args.jobs}) = {res['speedup_estimate_free_cores']:.2f}x)"
        )
    for key, what, target in (
        ("bare", "the bare loop", " (target <= 10 %)"),
        ("bare_params", "a bare loop of its own calls", ""),
    ):
        w, c = (100 * res[f"overhead_vs_{key}_{u}"] for u in ("wall", "cpu"))
        print(f"  overhead of ETS.fit over {what}: {w:+.1f} % wall, {c:+.1f} % CPU{target}")
    e = res["ets"]
    print(
        f"  update {1e3 * e['update_seconds']:.2f} ms, predict(h={e['h']}) "
        f"{1e3 * e['predict_seconds']:.2f} ms for all {n} SKUs; pool cold start {t_cold:.2f} s;"
        f" load average {load_before:.2f} -> {load_after:.2f}; {res['fell_back']} SKUs fell back"
    )
    for name, r in res.get("others", {}).items():
        print(
            f"  {name:7s} on {args.others} SKUs: fit {r['fit_seconds']:.2f} s "
            f"({r['sku_fits_per_s']:.1f} fits/s), update {1e3 * r['update_seconds']:.2f} ms, "
            f"predict {1e3 * r['predict_seconds']:.2f} ms"
        )
    if "driven" in res:
        _print_driven(res["driven"], args.driven, False)
    return res


def _print_driven(cases: dict, n_skus: int, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"driven": cases}))
        return
    print(f"forecast-driven, {n_skus} SKUs, 112 + 393 periods, re-fit every 28 (15 fits):")
    for name, r in cases.items():
        print(
            f"  {name:18s} {r['seconds']:8.2f} s   one-step MAE {r['mae']:.4f}"
            f"  RMSE {r['rmse']:.4f}"
        )


if __name__ == "__main__":
    main()
