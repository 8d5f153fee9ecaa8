"""``python -m experiments.clean demand.path=sales.csv``: validate and clean a sales export.

Reads the export the way ``demand=replay`` does (``conf/clean.yaml``: the ``demand`` group,
``replay`` by default, ``demand=bakery`` for the shipped data), prints what was read and how
many values each cleaning step changed, and writes the cleaned table and the cleaning report
(:mod:`experiments.cleaning_report`) into the output folder. Bad input ends with one line
naming the file, column, row and value (or the key), exit status 2, and nothing written.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from experiments.run import ConfigError, _explain, _instantiate, precheck

__all__ = ["main"]


@hydra.main(version_base=None, config_path="../conf", config_name="clean")
def main(cfg: DictConfig) -> None:
    started = time.perf_counter()
    try:
        demand = _instantiate("demand", cfg.demand)
        history = demand.history
        if history is None:
            raise ConfigError(
                f"demand(={HydraConfig.get().runtime.choices.get('demand')}) is generated, "
                "not read: use demand=replay demand.path=<file> or demand=bakery"
            )
    except (ConfigError, ValueError, TypeError, OmegaConfBaseException) as exc:
        print(f"stocklab: error: {_explain(exc)}", file=sys.stderr)
        sys.exit(2)
    read_s = time.perf_counter() - started
    T, S, K = history.demand.shape
    print(
        f"clean · {history.source} · {T} periods ({history.freq}) "
        f"{history.dates[0].date()} .. {history.dates[-1].date()} · {S} store(s) × {K} SKU(s)"
        f" · read and cleaned in {read_s:.2f} s"
    )
    print(history.summary().to_string(index=False))
    from experiments.cleaning_report import write_cleaning

    out = Path(HydraConfig.get().runtime.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = write_cleaning(history, out)
    print(f"cleaned table: {paths['table']}")
    print(f"report: {paths['html']}")


if __name__ == "__main__":
    precheck(sys.argv[1:], "clean")
    main()
