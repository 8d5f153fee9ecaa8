"""``python -m experiments.train_agent [key=value ...]``: train a small agent on the
Gymnasium environment and compare it with the derived base-stock policy in a report.

The agent is a parametrised order-up-to rule, one safety factor ``z`` per stocking node:
at each review a node orders up to ``m + z sqrt(m)``, ``m`` its mean demand over the
protection interval (the policy's planning view of the node). The factors are learnt by
the cross-entropy method (Rubinstein 1999): each iteration draws ``population`` factor
vectors from a normal distribution, runs each for ``episodes`` episodes on the environment
(the same seeds for every candidate: common random numbers), and refits the distribution
to the best quarter. No RL library is needed.

The trained rule is then an ordinary base-stock policy with those levels: both it and the
derived base-stock policy (the textbook optimum where one exists) are run by the simulator
on fresh seeds (the run's ``seed`` and ``replications``) into a sweep-shaped folder, with
the learning curve (``training.csv``, ``training.png``), and ``python -m experiments.report
<folder>`` compares them (the command prints the folder).

Keys: ``iterations`` (10), ``population`` (16), ``episodes`` (2), ``out`` (default
``outputs/agent/<time>``), and any override of ``python -m experiments.run`` (default
scenario here: Poisson demand, 3 SKUs, 200 periods after a 20-period warm-up, no fixed
order cost, so base-stock is optimal and the agent has a target to reach).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import yaml

#: The scenario the example trains on unless the command line overrides a key.
DEFAULTS = [
    "demand=poisson",
    "demand.mean_spread=0.5",
    "n_skus=3",
    "horizon=220",
    "warmup=20",
    "costs.order_fixed=0",
    "replications=5",
    "trace_skus=3",
]
OWN_KEYS = {"iterations": 10, "population": 16, "episodes": 2, "out": None}


def _parse(argv: list[str]) -> tuple[dict, list[str]]:
    own = dict(OWN_KEYS)
    overrides: dict[str, str] = {o.split("=", 1)[0]: o for o in DEFAULTS}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ValueError(f"{arg!r} is not key=value")
        if key in own:
            if key != "out":
                try:
                    number = int(value)
                except ValueError:
                    number = 0
                if number < 1:
                    raise ValueError(f"{key}(={value!r}) must be a whole number >= 1")
                own[key] = number
            else:
                own[key] = value
        else:
            overrides[key] = arg
    return own, list(overrides.values())


def _levels(env, z: np.ndarray) -> np.ndarray:
    """Order-up-to levels per node and SKU for safety factors ``z`` (one per node)."""
    contexts = env._contexts.nodes
    mean = np.array([c.protection_mean for c in contexts])
    return mean + z[:, None] * np.sqrt(np.maximum(mean, 0.0))


def episode_cost(env, levels: np.ndarray, replication: int) -> float:
    """Mean cost per measured period of one episode (replication ``replication`` of the
    run's seed: the same SKUs, their own demand) when every node orders up to ``levels``
    (nodes x SKUs) at each review."""
    obs, info = env.reset(options={"replication": replication})
    total = info["cost"]
    while True:
        obs, reward, terminated, truncated, info = env.step(
            np.maximum(levels - obs["position"], 0.0)
        )
        total -= reward
        if terminated or truncated:
            return total / (env.horizon - env.warmup)


#: Training episodes are replications from here on, apart from the ones the final
#: comparison runs (replications 0, 1, ... of the same seed).
FIRST_TRAINING_REPLICATION = 1000


def train(env, iterations: int, population: int, episodes: int):
    """Cross-entropy search over the safety factors; returns the best factors and the
    learning curve (iteration, mean and best cost of the population)."""
    rng = np.random.default_rng(env.base_seed)
    n_nodes = len(env.node_names)
    mean, std = np.zeros(n_nodes), np.full(n_nodes, 1.5)
    seeds = [FIRST_TRAINING_REPLICATION + k for k in range(episodes)]
    curve, best = [], (np.inf, mean)
    elite = max(2, population // 4)
    for it in range(iterations):
        candidates = mean + std * rng.standard_normal((population, n_nodes))
        costs = np.array(
            [np.mean([episode_cost(env, _levels(env, z), s) for s in seeds]) for z in candidates]
        )
        order = np.argsort(costs)
        top = candidates[order[:elite]]
        mean, std = top.mean(axis=0), top.std(axis=0) + 0.05
        if costs[order[0]] < best[0]:
            best = (float(costs[order[0]]), candidates[order[0]].copy())
        curve.append((it, float(costs.mean()), float(costs[order[0]])))
        print(
            f"iteration {it + 1}/{iterations}: population cost {costs.mean():.4g}, "
            f"best {costs[order[0]]:.4g}",
            file=sys.stderr,
        )
    return best[1], curve


def _write_job(folder: Path, overrides: list[str]) -> None:
    from experiments import api

    api.run(overrides, out_dir=folder)
    (folder / ".hydra").mkdir(exist_ok=True)
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))


def _plot(curve: list[tuple[int, float, float]], reference: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    it = [c[0] + 1 for c in curve]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(it, [c[1] for c in curve], marker="o", label="population mean")
    ax.plot(it, [c[2] for c in curve], marker="s", label="best candidate")
    ax.axhline(reference, color="k", ls="--", label="derived base-stock (same episodes)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost per period")
    ax.set_title("Cross-entropy training of the agent's safety factors")
    ax.legend(loc="upper right", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    try:
        import gymnasium

        import experiments.gym_env  # noqa: F401 - registers Stocklab-v0
    except ImportError as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        return 2
    from experiments import api

    argv = sys.argv[1:] if argv is None else argv
    try:
        own, overrides = _parse(argv)
        env = gymnasium.make("Stocklab-v0", overrides=overrides).unwrapped
    except ValueError as exc:
        print(f"stocklab: error: {exc}", file=sys.stderr)
        return 2
    out = Path(own["out"] or f"outputs/agent/{time.strftime('%Y-%m-%d/%H-%M-%S')}")
    out.mkdir(parents=True, exist_ok=True)
    z, curve = train(env, own["iterations"], own["population"], own["episodes"])
    levels = _levels(env, z)
    # the derived base-stock levels on the training episodes, for the learning curve
    derived = api.run([*overrides, "policy=base_stock", "replications=1"])
    names = env.node_names
    params = derived.parameters if len(names) > 1 else {names[0]: derived.parameters}
    reference_levels = np.array([np.atleast_1d(params[n]["level"]) for n in names])
    reference = float(
        np.mean(
            [
                episode_cost(env, reference_levels, FIRST_TRAINING_REPLICATION + k)
                for k in range(own["episodes"])
            ]
        )
    )
    with open(out / "training.csv", "w") as fh:
        fh.write("iteration,population_mean_cost,best_cost\n")
        for it, m, b in curve:
            fh.write(f"{it + 1},{m!r},{b!r}\n")
    _plot(curve, reference, out / "training.png")
    level_map = (
        "{"
        + ",".join(f"{n}:[{','.join(f'{x:.4f}' for x in levels[i])}]" for i, n in enumerate(names))
        + "}"
    )
    _write_job(out / "0", [*overrides, "policy=base_stock"])
    _write_job(out / "1", [*overrides, "policy=base_stock", f"policy.level={level_map}"])
    print(f"safety factors learnt: {np.round(z, 3).tolist()} (nodes {', '.join(names)})")
    print(f"jobs: {out}/0 (derived base-stock), {out}/1 (the agent's levels)")
    print(f"compare them: python -m experiments.report {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
