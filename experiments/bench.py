"""``python -m experiments.bench``: simulation speed and memory, apart from the test suite.

Cases (SKU-periods per second, best of ``--repeat`` runs, demand sampling included):

a. one SKU, single node, base-stock S=26, Poisson(10) demand, L=2, 20,000 periods;
b. 10,000 heterogeneous SKUs x 365 periods, single node, (s,S), Poisson demand, KPIs kept;
c. the same 10,000 SKUs through a 3-stage serial chain under echelon base-stock;
floor. a bare numpy recursion of case (b): same demand draws, no SimPy, no recording.

Each case runs in a fresh subprocess so that its peak resident memory is its own.
forecast_static / forecast_ses. 1,000 SKUs x 365 days under static base-stock, and under
   forecast-driven order-up-to with SES re-fitted every period (issue #3, a).

d. one warehouse feeding 100 stores x 1,000 SKUs x 365 periods, base-stock everywhere, FIFO
   allocation, against a bare numpy recursion of the same case (the same demand and the
   same allocation draws, so the same cost), warm and interleaved, medians.

Targets (issue #2): (a) >= 25,000 periods/s; (b) within 3x of the floor; (b) < 1 GiB peak.
Issue #8: (d) within 2x of its floor, peak memory < 2 GiB; (a)-(c) no slower than before.
Issue #3: forecast_ses within 3x of forecast_static.

forecast_driven. ETS and ARIMA with promotions driving a simulation's forecasts, 100 SKUs
   (``experiments.bench_forecasters --driven``); ``--statsmodels`` adds the per-SKU
   statsmodels fits (minutes) and prints the speed-up (issue #11: >= 20x) and both MAEs.
reps. 1 SKU x 20 replications x 20,000 periods side by side, against its bare numpy
   floor (issue #11: >= 1,000,000 SKU-periods/s); b100k (and with ``--large`` b1m): case
   (b) on 100,000 (1,000,000) SKUs (issue #11: within 12x the 10,000-SKU time, < 1 GiB;
   < 2 GiB); b100k runs interleaved with case (b) in one process, medians.

Forecaster benchmarks of their own:
``python -m experiments.bench_forecasters`` (statsmodels fits, 1 vs 2 workers) and
``python -m experiments.bench_deep`` (LSTM seconds per epoch).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N_SKUS, HORIZON = 10_000, 365


def _population(seed: int = 0, n_skus: int = N_SKUS):
    from sim.demand import Poisson
    from sim.rng import Streams

    demand = Poisson(mean=10.0, mean_spread=0.5)
    demand.setup(n_skus, Streams(seed).get("population"))
    return demand


def _ss_parameters(mean: np.ndarray, lead: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    # a fixed, cheap (s,S): the bench times the simulation, not the optimiser
    mu = mean * lead
    s = np.ceil(mu + 1.5 * np.sqrt(mu))
    return s, s + np.ceil(5 * mean)


def case_a(seed: int = 0) -> dict:
    from policies.base_stock import BaseStock
    from sim.demand import Poisson
    from sim.network import Costs, Single
    from sim.runner import Scenario, simulate

    scenario = Scenario(
        Single(lead_time=2), Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=1
    )
    t0 = time.perf_counter()
    res = simulate(scenario, BaseStock(level=26), horizon=20_000, seed=seed)
    dt = time.perf_counter() - t0
    return {"seconds": dt, "sku_periods": 20_000, "cost": res.kpis["cost_per_period"]["mean"]}


def case_b(seed: int = 0, n_skus: int = N_SKUS) -> dict:
    from policies.ss import SS
    from sim.network import Costs, Single
    from sim.runner import Scenario, simulate

    demand = _population(seed, n_skus)
    s, S = _ss_parameters(demand.mean())
    scenario = Scenario(
        Single(lead_time=2), demand, Costs(holding=1, backorder=9, order_fixed=64), n_skus=n_skus
    )
    t0 = time.perf_counter()
    res = simulate(scenario, SS(s=s, S=S), horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": n_skus * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


def case_b_pair(repeat: int = 3) -> dict:
    """Case (b) and its floor, warm and interleaved: medians and their ratio."""
    return _interleaved(case_b, case_floor, repeat)


def case_b100k(repeat: int = 3) -> dict:
    """Case (b) with 100,000 SKUs (block by block, sim.columns) and with its 10,000, warm
    and interleaved in one process: medians, and their ratio as ``scale``."""
    pair = _interleaved(lambda: case_b(n_skus=100_000), case_b, repeat)
    return {
        "seconds": pair["seconds"],
        "sku_periods": pair["sku_periods"],
        "cost": pair["cost"],
        "seconds_10k": pair["floor_seconds"],
        "scale": pair["ratio"],
    }


def case_b1m(repeat: int = 1) -> dict:
    """Case (b) with 1,000,000 SKUs, one timed run (after a small warm-up run)."""
    case_b(n_skus=20_000)
    return case_b(n_skus=1_000_000)


# -- replications side by side (issue #11) --------------------------------------------------
R_REPS, R_PERIODS = 20, 20_000


def case_reps(seed: int = 0) -> dict:
    """One SKU x 20 replications x 20,000 periods, base-stock S=26, Poisson(10), L=2: the
    replications run side by side as 20 columns (sim.columns)."""
    from policies.base_stock import BaseStock
    from sim.demand import Poisson
    from sim.network import Costs, Single
    from sim.runner import Scenario, simulate

    scenario = Scenario(
        Single(lead_time=2), Poisson(mean=10.0), Costs(holding=1, backorder=9), n_skus=1
    )
    t0 = time.perf_counter()
    res = simulate(scenario, BaseStock(level=26), horizon=R_PERIODS, replications=R_REPS, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": R_REPS * R_PERIODS,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


def case_reps_floor(seed: int = 0) -> dict:
    """The replication case as a bare numpy recursion over 20 columns: the same demand
    draws (each replication's own stream), no SimPy, no policy object, cost sums only."""
    from sim.demand import Poisson
    from sim.rng import Streams

    demand = Poisson(mean=10.0)
    streams = Streams(seed)
    demand.setup(1, streams.get("population"))
    t0 = time.perf_counter()
    d = np.concatenate(
        [demand.sample(streams.get("demand", rep), 0, R_PERIODS) for rep in range(R_REPS)],
        axis=1,
    )
    L, W, level = 2, 3, 26.0
    pipe = np.zeros((W, R_REPS))
    net = np.full(R_REPS, np.ceil(10.0 * 3))  # on hand - backorders, as initial_stock=auto
    on_order = np.zeros(R_REPS)
    cost = np.zeros(R_REPS)
    for t in range(R_PERIODS):
        slot = pipe[t % W]
        net += slot
        on_order -= slot
        slot.fill(0.0)
        net -= d[t]
        cost += np.maximum(net, 0.0) + 9.0 * np.maximum(-net, 0.0)
        q = np.maximum(level - net - on_order, 0.0)
        on_order += q
        pipe[(t + L) % W] += q
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": R_REPS * R_PERIODS,
        "cost": float(cost.mean() / R_PERIODS),
    }


def case_reps_pair(repeat: int = 3) -> dict:
    """The replication case and its floor, warm and interleaved: medians and their ratio."""
    return _interleaved(case_reps, case_reps_floor, repeat)


def _interleaved(case, floor, repeat: int) -> dict:
    case(), floor()  # warm both
    runs, floors = [], []
    for _ in range(repeat):
        runs.append(case())
        floors.append(floor())
    med, med_floor = (float(np.median([r["seconds"] for r in x])) for x in (runs, floors))
    return {
        "seconds": med,
        "floor_seconds": med_floor,
        "ratio": med / med_floor,
        "sku_periods": runs[0]["sku_periods"],
        "cost": runs[0]["cost"],
        "floor_cost": floors[0]["cost"],
    }


def case_c(seed: int = 0) -> dict:
    from policies.echelon_base_stock import EchelonBaseStock
    from sim.network import Costs, Serial
    from sim.runner import Scenario, simulate

    demand = _population(seed)
    mean = demand.mean()
    cum = np.cumsum([1, 1, 2])
    levels = [np.ceil(mean * (c) + 2.0 * np.sqrt(mean * c)) for c in cum]
    scenario = Scenario(
        Serial(stages=3, lead_time=[1, 1, 2], holding=[7, 4, 2]),
        demand,
        Costs(holding=1, backorder=37),
        n_skus=N_SKUS,
    )
    t0 = time.perf_counter()
    res = simulate(scenario, EchelonBaseStock(levels=levels), horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": N_SKUS * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


def case_floor(seed: int = 0) -> dict:
    """Case (b) as a bare numpy loop: the fastest this model can run in numpy."""
    from sim.rng import Streams

    demand = _population(seed)
    s, S = _ss_parameters(demand.mean())
    streams = Streams(seed)
    t0 = time.perf_counter()
    d = demand.sample(streams.get("demand", 0), 0, HORIZON)
    L, W = 2, 3
    pipe = np.zeros((W, N_SKUS))
    ip = np.ceil(demand.mean() * 3)  # net inventory (on hand - backorders)
    on_order = np.zeros(N_SKUS)
    sum_oh = np.zeros(N_SKUS)
    sum_bo = np.zeros(N_SKUS)
    n_orders = np.zeros(N_SKUS)
    for t in range(HORIZON):
        slot = t % W
        ip += pipe[slot]
        on_order -= pipe[slot]
        pipe[slot] = 0.0
        ip -= d[t]
        sum_oh += np.maximum(ip, 0.0)
        sum_bo += np.maximum(-ip, 0.0)
        pos = ip + on_order
        q = np.where(pos <= s, S - pos, 0.0)
        n_orders += q > 0
        on_order += q
        pipe[(t + L) % W] += q
    dt = time.perf_counter() - t0
    cost = float((sum_oh.sum() + 9 * sum_bo.sum() + 64 * n_orders.sum()) / HORIZON)
    return {"seconds": dt, "sku_periods": N_SKUS * HORIZON, "cost": cost}


def _forecast_scenario(forecaster=None):
    from sim.demand import Poisson
    from sim.forecasting import ForecastSettings
    from sim.network import Costs, Single
    from sim.runner import Scenario

    return Scenario(
        Single(lead_time=2),
        Poisson(mean=10.0, mean_spread=0.5, weekly_amplitude=0.2),
        Costs(holding=1, backorder=9),
        n_skus=1_000,
        forecaster=forecaster,
        forecasting=ForecastSettings(refit_every=1, history=112),
    )


def case_forecast_ses(seed: int = 0) -> dict:
    """Issue #3 (a): forecast-driven order-up-to with SES re-fitted (alpha by grid search)
    every period, 1,000 SKUs x 365 days."""
    from forecasters.ses import SES
    from policies.forecast_order_up_to import ForecastOrderUpTo
    from sim.runner import simulate

    t0 = time.perf_counter()
    res = simulate(_forecast_scenario(SES()), ForecastOrderUpTo(), horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": 1_000 * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


def case_forecast_static(seed: int = 0) -> dict:
    """The same 1,000 SKUs under a static base-stock policy (levels from the demand model)."""
    from policies.base_stock import BaseStock
    from sim.runner import simulate

    t0 = time.perf_counter()
    res = simulate(_forecast_scenario(None), BaseStock(), horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": 1_000 * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


# -- (d) one warehouse feeding 100 stores (issue #8) ---------------------------------------
D_STORES, D_SKUS = 100, 1000
D_HOLDING = {"warehouse": 0.5, "store": 1.0}
D_BACKORDER = 9.0


def _distribution_case(seed: int = 0):
    """The population, levels and initial stock of case (d), shared by engine and floor."""
    from sim.demand import Poisson
    from sim.rng import Streams

    demand = Poisson(mean=2.0, mean_spread=0.5)
    demand.setup(D_SKUS, Streams(seed).get("population"))
    mean = demand.mean()
    store_level = np.ceil(2 * mean + 2 * np.sqrt(2 * mean))
    total = D_STORES * mean
    warehouse_level = np.ceil(4 * total + 1.5 * np.sqrt(4 * total))
    return demand, store_level, warehouse_level


def run_distribution(seed: int = 0) -> dict:
    """Case (d) through the engine: base-stock at every node, FIFO allocation."""
    from policies.base_stock import BaseStock
    from sim.network import Costs, Distribution
    from sim.runner import Scenario, simulate

    demand, store_level, warehouse_level = _distribution_case(seed)
    scenario = Scenario(
        Distribution(stores=D_STORES, lead_time=2, warehouse_lead_time=4, holding=D_HOLDING),
        demand,
        Costs(holding=1.0, backorder=D_BACKORDER),
        n_skus=D_SKUS,
    )
    policy = BaseStock(level={"store": store_level, "warehouse": warehouse_level})
    t0 = time.perf_counter()
    res = simulate(scenario, policy, horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": D_SKUS * (D_STORES + 1) * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
    }


def run_distribution_floor(seed: int = 0) -> dict:
    """Case (d) as a bare numpy recursion: the same demand, the same FIFO allocation draws
    (cohorts by order period, random order within one: ``sim.allocation.random_split``),
    no SimPy, no policy objects, no recording beyond the cost sums."""
    from sim.allocation import random_split
    from sim.rng import Streams

    demand, store_level, warehouse_level = _distribution_case(seed)
    streams = Streams(seed)
    t0 = time.perf_counter()
    d = np.stack(
        [
            demand.sample(streams.get(f"demand/store{i + 1}", 0), 0, HORIZON)
            for i in range(D_STORES)
        ],
        axis=1,
    )
    rng = streams.get("allocation/warehouse", 0)
    n, m, W = D_SKUS, D_STORES, 5
    h0, h1 = D_HOLDING["warehouse"], D_HOLDING["store"]
    # initial stock as initial_stock=auto: demand over the protection interval + 1 period
    mean = demand.mean()
    oh_s = np.tile(np.ceil(mean * 3), (m, 1))
    bo_s, oo_s = np.zeros((m, n)), np.zeros((m, n))
    oh_w, oo_w = np.ceil(m * mean * 5), np.zeros(n)
    owed = np.zeros((m, n))
    cohorts: list[np.ndarray] = []
    pipe_s, pipe_w = np.zeros((W, m, n)), np.zeros((W, n))
    transit_s = np.zeros((m, n))
    cost = 0.0
    for t in range(HORIZON):
        a = pipe_s[t % W]
        oh_s += a
        oo_s -= a
        transit_s -= a
        a.fill(0.0)
        oh_w += pipe_w[t % W]
        oo_w -= pipe_w[t % W]
        pipe_w[t % W] = 0.0
        il = oh_s - bo_s - d[t]
        np.maximum(il, 0.0, out=oh_s)
        np.maximum(-il, 0.0, out=bo_s)
        cost += h1 * oh_s.sum() + D_BACKORDER * bo_s.sum() + h0 * (oh_w.sum() + transit_s.sum())
        q = np.maximum(store_level - (oh_s + oo_s - bo_s), 0.0)
        oo_s += q
        owed += q
        if q.any():
            cohorts.append(q.copy())
        qw = np.maximum(warehouse_level - (oh_w + oo_w - owed.sum(axis=0)), 0.0)
        oo_w += qw
        pipe_w[(t + 4) % W] += qw
        # FIFO: SKUs the warehouse cannot serve in full walk their cohorts, oldest first
        total = owed.sum(axis=0)
        short = np.flatnonzero(total > oh_w)
        ship = owed.copy()
        if short.size:
            left = oh_w[short].copy()
            part = np.zeros((m, short.size))
            for cohort in cohorts:
                sub = cohort[:, short]
                size = sub.sum(axis=0)
                full = size <= left
                part += sub * full[None, :]
                left = np.where(full, left - size, left)
                split = np.flatnonzero(~full & (left > 0))
                if split.size:
                    part[:, split] += random_split(sub[:, split], left[split], rng)
                    left[split] = 0.0
                if not np.any(left > 0):
                    break
            ship[:, short] = part
        oh_w -= ship.sum(axis=0)
        owed -= ship
        live = np.flatnonzero(owed.any(axis=0))
        kept, rest = [], ship[:, live]
        for cohort in cohorts if live.size else []:
            sub = cohort[:, live]
            take = np.minimum(sub, rest)
            sub -= take
            rest = rest - take
            if sub.any():
                cohort.fill(0.0)
                cohort[:, live] = sub
                kept.append(cohort)
        cohorts = kept
        transit_s += ship
        pipe_s[(t + 2) % W] += ship
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": D_SKUS * (D_STORES + 1) * HORIZON,
        "cost": cost / HORIZON,
    }


def case_d(repeat: int = 3) -> dict:
    """Engine and floor of case (d), warm and interleaved: medians and their ratio."""
    return _interleaved(run_distribution, run_distribution_floor, repeat)


def case_forecast_driven(repeat: int = 1, statsmodels: bool = False) -> dict:
    """The forecast-driven ETS and ARIMA(+promotions) cases of
    ``experiments.bench_forecasters --driven`` (100 SKUs, 15 fits each), warm: a small
    untimed run first loads the compiled recursions. ``statsmodels``: also the per-SKU
    statsmodels fits (minutes), for the speed-up and the accuracy beside it."""
    from experiments.bench_forecasters import driven_cases

    driven_cases(5, old=False)  # warm-up
    runs = [driven_cases(FORECAST_SKUS, old=statsmodels) for _ in range(repeat)]
    out = {}
    for name in runs[0]:
        best = min((r[name] for r in runs), key=lambda c: c["seconds"])
        out[name] = best
    return {"cases": out, "seconds": 0.0, "sku_periods": 1}


CASES = {
    "a": case_a,
    "c": case_c,
    "forecast_ses": case_forecast_ses,
    "forecast_static": case_forecast_static,
}
#: cases that run warm and interleaved with their floor (medians), or warm on their own
PAIRS = {"reps": case_reps_pair, "b": case_b_pair, "d": case_d}
LARGE = {"b100k": case_b100k, "b1m": case_b1m}
#: SKUs of the forecast-driven cases (the README's forecast-driven runs use 100)
FORECAST_SKUS = 100


def _child(case: str, repeat: int, statsmodels: bool = False) -> None:
    if case == "forecast_driven":
        result = case_forecast_driven(repeat=repeat, statsmodels=statsmodels)
    elif case in PAIRS or case in LARGE:
        result = {**PAIRS, **LARGE}[case](repeat=repeat)
    else:
        runs = [CASES[case]() for _ in range(repeat)]
        result = min(runs, key=lambda r: r["seconds"])
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (medians for pairs)")
    ap.add_argument("--large", action="store_true", help="also run 1,000,000 SKUs (about a minute)")
    ap.add_argument(
        "--statsmodels",
        action="store_true",
        help="also fit the forecast-driven cases per SKU with statsmodels (minutes)",
    )
    names = sorted({**CASES, **PAIRS, **LARGE, "forecast_driven": None})
    ap.add_argument("--case", choices=names, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        _child(args.case, args.repeat, args.statsmodels)
        return 0
    order = ["a", "reps", "b", "b100k", "c", "forecast_static", "forecast_ses", "d"]
    order.append("forecast_driven")
    if args.large:
        order.append("b1m")
    results = {}
    for case in order:
        print(f"running case {case} ...", file=sys.stderr, flush=True)
        repeat = 1 if case in ("b1m", "forecast_driven") else args.repeat
        command = ["-m", "experiments.bench", "--case", case, "--repeat", str(repeat)]
        if args.statsmodels:
            command.append("--statsmodels")
        proc = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, check=True
        )
        results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = {}
    for case, r in results.items():
        if case == "forecast_driven":
            continue
        rows[case] = r
        if "floor_seconds" in r:
            rows[f"{case}_floor"] = {**r, "seconds": r["floor_seconds"]}
    print(f"{'case':<16}{'seconds':>10}{'SKU-periods/s':>16}{'peak RSS MiB':>14}")
    for case, r in rows.items():
        rate = r["sku_periods"] / r["seconds"]
        print(f"{case:<16}{r['seconds']:>10.3f}{rate:>16,.0f}{r['peak_rss_mib']:>14.0f}")
    a_rate = results["a"]["sku_periods"] / results["a"]["seconds"]
    print(f"\n(a) {a_rate:,.0f} periods/s (target >= 25,000): {_verdict(a_rate >= 25_000)}")
    reps = results["reps"]
    rate = reps["sku_periods"] / reps["seconds"]
    print(
        f"reps: 1 SKU x {R_REPS} replications x {R_PERIODS:,} periods side by side: "
        f"{rate:,.0f} SKU-periods/s (target >= 1,000,000): {_verdict(rate >= 1e6)}; "
        f"{reps['ratio']:.2f}x its floor, medians of {args.repeat} interleaved warm runs"
    )
    b = results["b"]
    print(
        f"(b) / floor = {b['ratio']:.2f}x, medians of {args.repeat} interleaved warm runs "
        f"(target <= 1.5x): {_verdict(b['ratio'] <= 1.5)}"
    )
    big = results["b100k"]
    scale = big["scale"]
    print(
        f"(b) 100,000 SKUs: {big['seconds']:.2f} s, {scale:.1f}x the 10,000-SKU time "
        f"({big['seconds_10k']:.3f} s; medians of {args.repeat} interleaved warm runs) "
        f"(target <= 12x): {_verdict(scale <= 12)}; peak RSS {big['peak_rss_mib']:.0f} MiB "
        f"(target < 1024): {_verdict(big['peak_rss_mib'] < 1024)}"
    )
    if "b1m" in results:
        m = results["b1m"]
        print(
            f"(b) 1,000,000 SKUs: {m['seconds']:.1f} s, peak RSS {m['peak_rss_mib']:.0f} MiB "
            f"(target < 2048): {_verdict(m['peak_rss_mib'] < 2048)}"
        )
    fc_ratio = results["forecast_ses"]["seconds"] / results["forecast_static"]["seconds"]
    print(
        f"forecast_ses / forecast_static = {fc_ratio:.2f}x (target <= 3x): "
        + _verdict(fc_ratio <= 3)
    )
    d = results["d"]
    same = "the same" if abs(d["cost"] - d["floor_cost"]) <= 1e-9 * abs(d["cost"]) else "DIFFERENT"
    print(
        f"(d) 1 warehouse + {D_STORES} stores x {D_SKUS} SKUs x {HORIZON} periods: engine / floor "
        f"= {d['ratio']:.2f}x, medians of {args.repeat} interleaved warm runs (target <= 2x): "
        f"{_verdict(d['ratio'] <= 2)}; costs {same} ({d['cost']:.6f})"
    )
    print(
        f"(d) peak RSS {d['peak_rss_mib']:.0f} MiB, engine and floor in one process "
        f"(target < 2048): {_verdict(d['peak_rss_mib'] < 2048)}"
    )
    fd = results["forecast_driven"]["cases"]
    print(f"forecast-driven, {FORECAST_SKUS} SKUs, 112 + 393 periods, a re-fit every 28:")
    for model in ("ets", "arima"):
        new = fd[f"{model}/batch"]
        line = f"  {model:<6} batch {new['seconds']:7.2f} s, MAE {new['mae']:.4f}"
        old = fd.get(f"{model}/statsmodels")
        if old is not None:
            speedup = old["seconds"] / new["seconds"]
            line += (
                f"; statsmodels {old['seconds']:7.2f} s, MAE {old['mae']:.4f}: "
                f"{speedup:.1f}x faster (target >= 20x): {_verdict(speedup >= 20)}"
            )
        print(line)
    mem = b["peak_rss_mib"]
    print(
        f"(b) peak RSS {mem:.0f} MiB, engine and floor in one process, interpreter and "
        f"libraries included (target < 1024): {_verdict(mem < 1024)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
