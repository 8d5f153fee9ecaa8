"""``python -m experiments.bench``: simulation speed and memory, apart from the test suite.

Cases (SKU-periods per second, best of ``--repeat`` runs, demand sampling included):

a. one SKU, single node, base-stock S=26, Poisson(10) demand, L=2, 20,000 periods;
b. 10,000 heterogeneous SKUs x 365 periods, single node, (s,S), Poisson demand, KPIs kept;
c. the same 10,000 SKUs through a 3-stage serial chain under echelon base-stock;
floor. a bare numpy recursion of case (b): same demand draws, no SimPy, no recording.

Each case runs in a fresh subprocess so that its peak resident memory is its own.
forecast_static / forecast_ses. 1,000 SKUs x 365 days under static base-stock, and under
   forecast-driven order-up-to with SES re-fitted every period (issue #3, a).

Targets (issue #2): (a) >= 25,000 periods/s; (b) within 3x of the floor; (b) < 1 GiB peak.
Issue #3: forecast_ses within 3x of forecast_static. Forecaster benchmarks of their own:
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


def _population(seed: int = 0):
    from sim.demand import Poisson
    from sim.rng import Streams

    demand = Poisson(mean=10.0, mean_spread=0.5)
    demand.setup(N_SKUS, Streams(seed).get("population"))
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


def case_b(seed: int = 0) -> dict:
    from policies.ss import SS
    from sim.network import Costs, Single
    from sim.runner import Scenario, simulate

    demand = _population(seed)
    s, S = _ss_parameters(demand.mean())
    scenario = Scenario(
        Single(lead_time=2), demand, Costs(holding=1, backorder=9, order_fixed=64), n_skus=N_SKUS
    )
    t0 = time.perf_counter()
    res = simulate(scenario, SS(s=s, S=S), horizon=HORIZON, seed=seed)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "sku_periods": N_SKUS * HORIZON,
        "cost": res.kpis["cost_per_period"]["mean"],
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
    from sim.leadtime import Deterministic
    from sim.rng import Streams

    demand = _population(seed)
    s, S = _ss_parameters(demand.mean())
    streams = Streams(seed)
    t0 = time.perf_counter()
    d = demand.sample(streams.get("demand", 0), 0, HORIZON)
    lt = Deterministic(value=2)
    lt.setup(N_SKUS, streams.get("population/lead_time/store"))
    lt.sample(streams.get("lead_time/store", 0), HORIZON)
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


CASES = {
    "a": case_a,
    "b": case_b,
    "c": case_c,
    "floor": case_floor,
    "forecast_ses": case_forecast_ses,
    "forecast_static": case_forecast_static,
}


def _child(case: str, repeat: int) -> None:
    runs = [CASES[case]() for _ in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    best["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(best))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the best is reported")
    ap.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        _child(args.case, args.repeat)
        return 0
    results = {}
    for case in ("a", "b", "floor", "c", "forecast_static", "forecast_ses"):
        print(f"running case {case} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.bench",
                "--case",
                case,
                "--repeat",
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{'case':<8}{'seconds':>10}{'SKU-periods/s':>16}{'peak RSS MiB':>14}")
    for case, r in results.items():
        rate = r["sku_periods"] / r["seconds"]
        print(f"{case:<8}{r['seconds']:>10.3f}{rate:>16,.0f}{r['peak_rss_mib']:>14.0f}")
    ratio = results["b"]["seconds"] / results["floor"]["seconds"]
    a_rate = results["a"]["sku_periods"] / results["a"]["seconds"]
    verdict = "ok" if a_rate >= 25_000 else "MISSED"
    print(f"\n(a) {a_rate:,.0f} periods/s (target >= 25,000): {verdict}")
    print(f"(b) / floor = {ratio:.2f}x (target <= 3x): {'ok' if ratio <= 3 else 'MISSED'}")
    fc_ratio = results["forecast_ses"]["seconds"] / results["forecast_static"]["seconds"]
    print(
        f"forecast_ses / forecast_static = {fc_ratio:.2f}x (target <= 3x): "
        f"{'ok' if fc_ratio <= 3 else 'MISSED'}"
    )
    mem = results["b"]["peak_rss_mib"]
    print(
        f"(b) peak RSS {mem:.0f} MiB, interpreter and libraries included (target < 1024): "
        f"{'ok' if mem < 1024 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
