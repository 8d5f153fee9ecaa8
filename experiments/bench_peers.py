"""``python -m experiments.bench_peers``: Stocklab's speed beside peer simulators, one run.

Issue #11. Each peer runs in a scratch virtual environment outside the repo (their pins
clash with Stocklab's); this file is both the driver (Stocklab's venv) and the worker that
each peer interpreter runs as a plain script::

    python -m experiments.bench_peers --stockpyl /tmp/peers/stockpyl/bin/python \\
        --supplynetpy /tmp/peers/snp/bin/python --orgym /tmp/peers/orgym/bin/python \\
        [--repeat 5] [--json rows.json]

A peer whose interpreter is not given is skipped (a line says so). The worker part
(``--worker NAME``) imports only the standard library, numpy and the one peer, inside its
functions: nothing from Stocklab, whose dependencies the peer venvs lack.

What is measured
----------------
*single*: one SKU at one node, base-stock level S = 26, Poisson(10) demand per period,
lead time L = 2 periods, holding 1 and backorder 9 per unit per period (charged on the
end-of-period on-hand and backorders), 20,000 periods, unmet demand backordered, initial
on hand 30 (Stocklab's ``initial_stock: auto``, ceil(10 x 3)), nothing in transit. This is
``experiments/bench.py`` case (a), but the demand is drawn once here (numpy
``default_rng(0).poisson(10, 20000)``), written to a temporary ``.npy`` file and fed to
every simulator, so every simulator must report the same cost per period; the driver
checks that they agree (relative difference below 1e-9, i.e. to the last printed digit).
Stocklab takes the sequence through a :class:`sim.demand.Poisson` whose ``sample_at`` hook
(the run hook every demand model has, see :class:`sim.demand.DemandModel`) returns it;
before timing, one traced run checks that the demand Stocklab served is that sequence.

*serial*: three stages in series, one SKU, the same 20,000 demands, lead times 1, 1, 2
(into stage 1, 2, 3; stage 1 faces customers), echelon base-stock levels 17, 29, 53,
local holding 7, 4, 2, backorder 37 (``bench.py`` case (c) with one SKU). Stocklab
(``network=serial``, :class:`~policies.echelon_base_stock.EchelonBaseStock`) against
OR-Gym's ``InvManagement-v1`` (lost sales, 3 stages + the raw-material stage), configured
through its ``env_config`` to run all 20,000 periods in one episode on the same demand
(``dist=5``, ``user_D``) and stepped with the same echelon base-stock rule computed from
the env's own arrays each period. The models differ (OR-Gym loses unmet demand, caps
orders by capacity and upstream stock, charges its own goodwill cost), so **the costs of
this case are not comparable and are not checked**: throughput only, in stage-periods per
second (3 x 20,000 stage-periods a run) for both.

Floors (Stocklab's venv): the *single* case as a pure-Python loop on floats, and as the
same loop inside one plain SimPy process (``env.timeout(1)`` between periods). Both charge
the same costs on the same demand, so they double as the reference the peers' costs are
checked against.

Timing: every (simulator, round) runs in a fresh worker subprocess that first does one
untimed warm-up run, then one timed run; the rounds go round-robin over the simulators (A,
B, C, A, B, C, ...), ``--repeat`` rounds. A timed run includes building the model (the
Stocklab ``Scenario``, the peer's network or env) and the simulation, not the interpreter
start, the imports or the reading of the demand file. The table shows the median rate and
its ratio to Stocklab's median (>1: faster than Stocklab).

Conventions aligned (Stocklab's period, ``sim/engine.py``: arrive, serve, account, order;
an order sent at the end of period t with lead time L arrives at the start of t + L)
-----------------------------------------------------------------------------------------
* Stockpyl (``sim.simulation`` on ``single_stage_system``): same convention, no shift.
  Within a period it receives shipments, meets demand, charges holding and stockout cost
  on the ending inventory level, and its base-stock order (placed in the period, after
  that period's demand is seen) arrives ``shipment_lead_time`` periods later before
  demand. So ``shipment_lead_time=2``, ``order_lead_time=0``, ``initial_inventory_level=30``,
  demand type ``'D'`` with the sequence as ``demand_list``; the cost is its total over
  20,000 periods.
* SupplyNetPy (continuous-time SimPy model): times are offset within each period so the
  phases happen in Stocklab's order and never at the same instant: the demand of period t
  is one customer order at time t (customers wait with infinite tolerance and accept
  partial deliveries, i.e. backorders; a zero demand places no order, SupplyNetPy refuses
  orders of 0 units); the (s, S) policy with s = 25, S = 26 (base-stock 26 for integer
  demand) reviews at t + 0.5 (``first_review_delay=0.5``, ``period=1``) against its
  inventory position; the link's lead time is **L - 0.75 = 1.25**, so an order of t + 0.5
  arrives at t + 1.75, after the demand of t + 1 and before that of t + 2, as in Stocklab.
  SupplyNetPy has no backorder cost, so a small monitor process reads the on-hand level
  and the units owed to waiting customers at t + 0.25 (after the demand of t, before the
  next arrival) and charges 1 and 9 per unit; the monitor is part of the timed run.
* OR-Gym (*single*: ``InvManagement-v0``, the backlog env, with one stage; *serial*:
  ``InvManagement-v1``): orders are placed at the *start* of a period, before its
  demand, from the position at the end of the previous one, and an order of period n with
  lead time L is received in period n + L before demand. Stocklab's order at the end of
  t-1 with lead time L arrives at the start of t-1+L, so OR-Gym's lead time is
  **L - 1** (1 in *single*; 0, 0, 1 in *serial*). *single* sets price and unit costs to
  0, the backlog cost k = 9 and holding h = 1, capacity 10,000, discount 1, so its cost
  is minus its summed reward. The env's own ``base_stock_action`` fails in 0.5.0 (it
  takes the position from a method that returns None), so the worker computes the
  base-stock order from ``I``, ``T`` and ``B`` itself.

Scratch venvs (outside the repo; the commands used)::

    python3.11 -m venv /tmp/peers/stockpyl
    /tmp/peers/stockpyl/bin/pip install 'numpy<2' stockpyl        # stockpyl 1.0.2
    python3.11 -m venv /tmp/peers/snp
    /tmp/peers/snp/bin/pip install supplynetpy                    # SupplyNetPy 0.5.1
    python3.11 -m venv /tmp/peers/orgym
    /tmp/peers/orgym/bin/pip install 'pip<24' 'setuptools<66' 'wheel<0.39'
    /tmp/peers/orgym/bin/pip install gym==0.19 or-gym==0.5.0
    /tmp/peers/orgym/bin/pip install 'numpy<2' 'pandas<2.3'       # see below

gym 0.19 builds from its sdist on Python 3.11 with that old tooling. or-gym 0.5.0 uses
``np.Inf`` (gone in numpy 2) and imports pandas, so numpy is pinned below 2 afterwards and
pandas with it (pandas 3 needs numpy 2).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# -- the cases (shared by driver and worker: plain constants) ------------------------------
PERIODS = 20_000
SEED = 0
MEAN = 10.0
LEVEL = 26.0
LEAD = 2
HOLDING = 1.0
BACKORDER = 9.0
INITIAL = 30.0  # Stocklab's initial_stock=auto: ceil(MEAN * (L + 1))

SERIAL_LEADS = (1, 1, 2)  # into stage 1, 2, 3 (stage 1 faces customers)
SERIAL_HOLDING = (7.0, 4.0, 2.0)
SERIAL_BACKORDER = 37.0
SERIAL_LEVELS = (17.0, 29.0, 53.0)  # echelon levels, stage 1 first
SERIAL_INITIAL = (20.0, 20.0, 30.0)  # Stocklab's auto: ceil(MEAN * (L_j + 1))

AGREE_RTOL = 1e-9
HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent

#: simulators of each case, in round-robin order; peers need their interpreter
CASES = {
    "single": ("stocklab", "python", "simpy", "stockpyl", "supplynetpy", "orgym"),
    "serial": ("stocklab", "orgym"),
}
PEERS = ("stockpyl", "supplynetpy", "orgym")
DISTRIBUTIONS = {
    "stocklab": "stocklab",
    "python": None,
    "simpy": "simpy",
    "stockpyl": "stockpyl",
    "supplynetpy": "supplynetpy",
    "orgym": "or-gym",
}


# ============================================================================ worker side
# stdlib + numpy + one peer, imported inside the functions


def _python_single(demand: list[float]) -> float:
    """The single case as a pure-Python loop: Stocklab's period, on floats."""
    width = LEAD + 1
    pipe = [0.0] * width
    net, on_order, cost = INITIAL, 0.0, 0.0  # net: on hand - backorders
    for t, d in enumerate(demand):
        slot = t % width
        arrived = pipe[slot]
        pipe[slot] = 0.0
        net += arrived  # 1. arrive
        on_order -= arrived
        net -= d  # 2. serve (backorders carried in net)
        cost += HOLDING * net if net > 0.0 else -BACKORDER * net  # 3. account
        q = LEVEL - net - on_order  # 4. order up to the level
        if q > 0.0:
            on_order += q
            pipe[(t + LEAD) % width] += q  # 5. arrives at the start of t + L
    return cost / len(demand)


def _simpy_single(demand: list[float]) -> float:
    """The same loop as one plain SimPy process, one ``timeout(1)`` per period."""
    import simpy

    env = simpy.Environment()
    width = LEAD + 1
    state = {"cost": 0.0}

    def periods():
        pipe = [0.0] * width
        net, on_order, cost = INITIAL, 0.0, 0.0
        for t, d in enumerate(demand):
            slot = t % width
            arrived = pipe[slot]
            pipe[slot] = 0.0
            net += arrived
            on_order -= arrived
            net -= d
            cost += HOLDING * net if net > 0.0 else -BACKORDER * net
            q = LEVEL - net - on_order
            if q > 0.0:
                on_order += q
                pipe[(t + LEAD) % width] += q
            yield env.timeout(1)
        state["cost"] = cost

    env.process(periods())
    env.run()
    return state["cost"] / len(demand)


def _stockpyl_single(demand: list[float]) -> float:
    from stockpyl.sim import simulation
    from stockpyl.supply_chain_network import single_stage_system

    network = single_stage_system(
        local_holding_cost=HOLDING,
        holding_cost=HOLDING,
        stockout_cost=BACKORDER,
        order_lead_time=0,
        shipment_lead_time=LEAD,
        demand_type="D",
        demand_list=demand,
        policy_type="BS",
        base_stock_level=LEVEL,
        initial_inventory_level=INITIAL,
    )
    total = simulation(network, len(demand), progress_bar=False, consistency_checks="N")
    return total / len(demand)


_SNP_DEMAND_CLASS = None


def _snp_demand_class():
    """A SupplyNetPy ``Demand`` that places the demand of period t as one customer order
    at time t (none when it is 0), through SupplyNetPy's own ``customer`` process."""
    global _SNP_DEMAND_CLASS
    if _SNP_DEMAND_CLASS is None:
        import SupplyNetPy.Components as scm

        class SequenceDemand(scm.Demand):
            sequence: list[float] = []

            def behavior(self):
                env = self.env
                for t, q in enumerate(self.sequence):
                    if q <= 0:
                        continue
                    if t > env.now:
                        yield env.timeout(t - env.now)
                    env.process(self.customer(str(t), q))

        _SNP_DEMAND_CLASS = SequenceDemand
    return _SNP_DEMAND_CLASS


def _snp_single(demand: list[float]) -> float:
    import simpy
    import SupplyNetPy.Components as scm

    scm.global_logger.disable_logging()
    env = simpy.Environment()
    supplier = scm.Supplier(
        env=env, ID="S1", name="supplier", node_type="infinite_supplier", logging=False
    )
    store = scm.InventoryNode(
        env=env,
        ID="D1",
        name="store",
        node_type="retailer",
        capacity=float("inf"),
        initial_level=INITIAL,
        inventory_holding_cost=HOLDING,
        replenishment_policy=scm.SSReplenishment,
        policy_param={"s": LEVEL - 1, "S": LEVEL, "first_review_delay": 0.5, "period": 1},
        product_sell_price=0.0,
        product_buy_price=0.0,
        logging=False,
    )
    scm.Link(env=env, ID="L1", source=supplier, sink=store, cost=0, lead_time=lambda: LEAD - 0.75)
    customers = _snp_demand_class()(
        env=env,
        ID="C1",
        name="customers",
        order_arrival_model=lambda: 1,
        order_quantity_model=lambda: 1,
        demand_node=store,
        tolerance=float("inf"),
        order_min_split_ratio=1e-9,
        logging=False,
    )
    customers.sequence = demand  # read when the run starts
    total = [0.0]

    def monitor():
        yield env.timeout(0.25)
        while True:
            owed = store.stats.backorder[1]
            total[0] += HOLDING * store.inventory.level + BACKORDER * owed
            yield env.timeout(1)

    env.process(monitor())
    env.run(until=len(demand))
    return total[0] / len(demand)


def _orgym_env(env_id: str, config: dict):
    import or_gym

    return or_gym.make(env_id, env_config=config)


def _orgym_run(env, levels: np.ndarray) -> float:
    """Step ``env`` to the end under echelon base-stock ``levels`` (stage 1 first), the
    order computed from the env's own arrays; return minus the summed reward."""
    raw = env.unwrapped
    raw.reset()
    total, done = 0.0, False
    while not done:
        n = raw.period
        local = raw.I[n] + raw.T[n]
        if n:
            local = local - raw.B[n - 1, :-1]
        order = np.maximum(levels - np.cumsum(local), 0.0)
        _, reward, done, _ = env.step(order)
        total -= reward
    return total


def _orgym_single(demand: list[float]) -> float:
    config = {
        "periods": len(demand),
        "I0": [INITIAL],
        "p": 0,
        "r": [0.0, 0.0],
        "k": [BACKORDER, 0.0],
        "h": [HOLDING],
        "c": [10_000],
        "L": [LEAD - 1],
        "backlog": True,
        "dist": 5,
        "user_D": np.asarray(demand),
        "alpha": 1.0,
    }
    env = _orgym_env("InvManagement-v0", config)
    return _orgym_run(env, np.array([LEVEL])) / len(demand)


def _orgym_serial(demand: list[float]) -> float:
    config = {
        "periods": len(demand),
        "I0": list(SERIAL_INITIAL),
        "p": 0,
        "r": [0.0] * 4,
        "k": [SERIAL_BACKORDER, 0.0, 0.0, 0.0],
        "h": list(SERIAL_HOLDING),
        "c": [10_000] * 3,
        "L": [lead - 1 for lead in SERIAL_LEADS],
        "dist": 5,
        "user_D": np.asarray(demand),
        "alpha": 1.0,
    }
    env = _orgym_env("InvManagement-v1", config)
    return _orgym_run(env, np.array(SERIAL_LEVELS)) / len(demand)


WORKERS = {
    ("single", "python"): _python_single,
    ("single", "simpy"): _simpy_single,
    ("single", "stockpyl"): _stockpyl_single,
    ("single", "supplynetpy"): _snp_single,
    ("single", "orgym"): _orgym_single,
    ("serial", "orgym"): _orgym_serial,
}


def _version(name: str) -> str:
    dist = DISTRIBUTIONS[name]
    if dist is None:
        return "Python " + ".".join(map(str, sys.version_info[:3]))
    from importlib.metadata import version

    return version(dist)


def _measure(run, demand: list[float], timed: int) -> dict:
    """One untimed warm-up run, then ``timed`` timed runs in this process."""
    cost = run(demand)
    seconds = []
    for _ in range(timed):
        t0 = time.perf_counter()
        again = run(demand)
        seconds.append(time.perf_counter() - t0)
        if again != cost:
            raise RuntimeError(f"a run gave {again!r}, the warm-up {cost!r}")
    return {"seconds": seconds, "cost": cost}


def worker_main(name: str, case: str, demand_path: str, timed: int) -> None:
    """Run one simulator of one case and print one JSON line on stdout."""
    demand = [float(x) for x in np.load(demand_path)]
    run = _stocklab_run(case, demand) if name == "stocklab" else WORKERS[(case, name)]
    out = _measure(run, demand, timed)
    out.update(name=name, case=case, version=_version(name))
    print(json.dumps(out))


# ============================================================================ driver side
# Stocklab, in its own venv (a worker subprocess started with -m from the repo root)


def _given_demand(values: list[float]):
    """A Poisson(10) demand model (policies plan for it) whose draws are ``values``."""
    from sim.demand import Poisson

    class GivenDemand(Poisson):
        def __init__(self, series: np.ndarray) -> None:
            super().__init__(mean=MEAN)
            self._series = series.reshape(-1, 1)

        def sample_at(self, node, rng, start: int, n_periods: int) -> np.ndarray:
            if start < 0 or start + n_periods > self._series.shape[0]:
                raise ValueError(f"given demand has no periods {start}..{start + n_periods}")
            return self._series[start : start + n_periods].copy()

    return GivenDemand(np.asarray(values, dtype=np.float64))


def _stocklab_scenario(case: str, values: list[float]):
    from sim.network import Costs, Serial, Single
    from sim.runner import Scenario

    if case == "single":
        network, costs = Single(lead_time=LEAD), Costs(holding=HOLDING, backorder=BACKORDER)
    else:
        network = Serial(stages=3, lead_time=list(SERIAL_LEADS), holding=list(SERIAL_HOLDING))
        costs = Costs(holding=1, backorder=SERIAL_BACKORDER)
    return Scenario(network, _given_demand(values), costs, n_skus=1)


def _stocklab_policy(case: str):
    if case == "single":
        from policies.base_stock import BaseStock

        return BaseStock(level=LEVEL)
    from policies.echelon_base_stock import EchelonBaseStock

    return EchelonBaseStock(levels=list(SERIAL_LEVELS))


def _stocklab_run(case: str, values: list[float]):
    from sim.runner import simulate

    # once, untimed: the demand Stocklab serves is the given sequence
    res = simulate(
        _stocklab_scenario(case, values),
        _stocklab_policy(case),
        horizon=len(values),
        seed=SEED,
        trace_skus=1,
        keep_outputs=True,
    )
    served = res.outputs[0].traces[0].fields["demand"][:, 0]
    if not np.array_equal(served, np.asarray(values)):
        raise RuntimeError("Stocklab did not serve the given demand sequence")

    def run(demand: list[float]) -> float:
        out = simulate(
            _stocklab_scenario(case, demand),
            _stocklab_policy(case),
            horizon=len(demand),
            seed=SEED,
        )
        return float(out.kpis["cost_per_period"]["mean"])

    return run


def _worker_command(name: str, python: str) -> list[str]:
    if name in PEERS:
        return [python, str(HERE)]  # a plain script: nothing of Stocklab on the path
    return [python, "-m", "experiments.bench_peers"]


def _call_worker(name: str, python: str, case: str, demand_path: str) -> dict:
    cmd = _worker_command(name, python) + [
        "--worker",
        name,
        "--case",
        case,
        "--demand",
        demand_path,
        "--timed",
        "1",
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-2000:] or f"exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rows(case: str, results: dict[str, list[dict]], units: int) -> list[dict]:
    rows = []
    base = None
    for name, runs in results.items():
        seconds = [s for r in runs for s in r["seconds"]]
        med = float(np.median(seconds))
        rate = units / med
        if name == "stocklab":
            base = rate
        rows.append(
            {
                "case": case,
                "simulator": name,
                "version": runs[0]["version"],
                "runs": len(seconds),
                "seconds_median": med,
                "periods_per_s": rate,
                "cost_per_period": runs[0]["cost"],
            }
        )
    for row in rows:
        row["ratio_to_stocklab"] = None if base is None else row["periods_per_s"] / base
    return rows


def _print_table(rows: list[dict]) -> None:
    head = f"{'case':7} {'simulator':12} {'version':14} {'periods/s':>12} {'ratio':>8} "
    print(head + f"{'cost/period':>14}")
    for r in rows:
        ratio = "-" if r["ratio_to_stocklab"] is None else f"{r['ratio_to_stocklab']:.3f}"
        print(
            f"{r['case']:7} {r['simulator']:12} {r['version']:14} "
            f"{r['periods_per_s']:12,.0f} {ratio:>8} {r['cost_per_period']:14.6f}"
        )


def _check_agreement(rows: list[dict]) -> bool:
    ref = next((r["cost_per_period"] for r in rows if r["simulator"] == "stocklab"), None)
    ok = True
    for r in rows:
        diff = None if ref is None else abs(r["cost_per_period"] - ref)
        r["agrees"] = diff is not None and diff <= AGREE_RTOL * max(1.0, abs(ref))
        ok &= r["agrees"]
    return ok


def driver_main(args: argparse.Namespace) -> int:
    pythons = {"stocklab": sys.executable, "python": sys.executable, "simpy": sys.executable}
    for peer in PEERS:
        path = getattr(args, peer)
        if path is None:
            print(f"skipped {peer}: no --{peer} interpreter given")
        elif not Path(path).exists():
            print(f"skipped {peer}: {path} does not exist")
        else:
            pythons[peer] = path
    demand = np.random.default_rng(SEED).poisson(MEAN, PERIODS).astype(np.float64)
    all_rows: list[dict] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_peers_") as tmp:
        demand_path = os.path.join(tmp, "demand.npy")
        np.save(demand_path, demand)
        for case in args.case:
            names = [n for n in CASES[case] if n in pythons]
            results: dict[str, list[dict]] = {n: [] for n in names}
            failed: set[str] = set()
            for _ in range(args.repeat):  # round-robin: A, B, C, A, B, C, ...
                for name in names:
                    if name in failed:
                        continue
                    try:
                        results[name].append(_call_worker(name, pythons[name], case, demand_path))
                    except (RuntimeError, ValueError, OSError) as exc:
                        print(f"{case}/{name} failed, left out:\n{exc}")
                        failed.add(name)
            results = {n: r for n, r in results.items() if r and n not in failed}
            units = PERIODS * (1 if case == "single" else len(SERIAL_LEADS))
            rows = _rows(case, results, units)
            if case == "single":
                agree = _check_agreement(rows)
                ok &= agree
            all_rows.extend(rows)
    print(
        f"\n{PERIODS:,} periods, demand numpy default_rng({SEED}).poisson({MEAN:g}), "
        f"median of {args.repeat} warm runs, one worker process per (simulator, round), "
        "round-robin; ratio = periods/s over Stocklab's (serial: stage-periods/s)"
    )
    _print_table(all_rows)
    single = [r for r in all_rows if r["case"] == "single"]
    if single:
        bad = [r["simulator"] for r in single if not r["agrees"]]
        print(
            "single: every cost per period agrees with Stocklab's"
            if not bad
            else f"single: costs DIFFER from Stocklab's: {', '.join(bad)}"
        )
    if any(r["case"] == "serial" for r in all_rows):
        print("serial: different models (OR-Gym loses sales); costs not comparable")
    if args.json:
        Path(args.json).write_text(json.dumps(all_rows, indent=2) + "\n")
        print(f"rows written to {args.json}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for peer in PEERS:
        p.add_argument(f"--{peer}", metavar="PYTHON", help=f"{peer}'s venv interpreter")
    p.add_argument("--repeat", type=int, default=5, help="timed rounds per simulator")
    p.add_argument("--case", nargs="+", choices=tuple(CASES), default=list(CASES))
    p.add_argument("--json", metavar="FILE", help="write the table's rows as JSON")
    p.add_argument("--worker", choices=tuple(DISTRIBUTIONS), help=argparse.SUPPRESS)
    p.add_argument("--demand", help=argparse.SUPPRESS)
    p.add_argument("--timed", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.case[0], args.demand, args.timed)
        return 0
    if args.repeat < 1:
        p.error("--repeat must be >= 1")
    return driver_main(args)


if __name__ == "__main__":
    sys.exit(main())
