"""Textbook inventory optimisers as pure functions.

Each module solves one classical model exactly, or by a named approximation, and returns a
small frozen dataclass. Policies call these from ``prepare`` to derive parameters left null
in the configuration. Inputs are per-SKU arrays or scalars; see each module for its source.

- :mod:`~policies.optimal.eoq`: economic order quantity, with and without planned backorders.
- :mod:`~policies.optimal.newsvendor`: newsvendor / base-stock levels, loss functions,
  exact Poisson base-stock measures.
- :mod:`~policies.optimal.ss`: periodic-review (s, S): Zheng & Federgruen (1991), and the
  Ehrhardt & Mosier (1984) power approximation.
- :mod:`~policies.optimal.rq`: continuous-review (r, Q): Federgruen & Zheng (1992) for
  Poisson demand, the normal approximation otherwise.
- :mod:`~policies.optimal.serial`: echelon base-stock levels of a serial chain (Clark &
  Scarf 1960; Chen & Zheng 1994).
- :mod:`~policies.optimal.distribution`, :mod:`~policies.optimal.assembly`: echelon levels
  of a warehouse feeding stores (balance assumption) and of one-level assembly (Rosling).
- :mod:`~policies.optimal.distribution_exact`: a warehouse feeding stores with Poisson
  demand and installation levels: the exact cost of given levels (Graves 1985), METRIC
  (Sherbrooke 1968), and the optimal levels under each.
- :mod:`~policies.optimal.eoq_family`: all-units and incremental quantity discounts, EPQ,
  joint replenishment (Silver's heuristic; power-of-two policies with their bounds).
- :mod:`~policies.optimal.newsvendor_family`: the newsvendor for any scipy distribution or
  pmf table, the price/cost/salvage form, the multi-period myopic policy.
- :mod:`~policies.optimal.finite_horizon`: finite-horizon dynamic programming for one stage
  (base-stock and Scarf's (s, S)), with Veinott's myopic bounds.
- :mod:`~policies.optimal.rq_eil`: the expected-inventory-level approximation of (r, Q).
- :mod:`~policies.optimal.serial_eval`: the cost of given echelon levels of a serial chain
  (any per-period pmf, Poisson, normal) and the Shang & Song (2003) heuristic.

``python -m experiments.optimise <problem> key=value ...`` solves the problems no
simulation policy uses from the command line.
"""

from policies.optimal.assembly import (
    AssemblyLevels,
    RoslingChain,
    assembly_echelon_levels,
    rosling_serial_order,
)
from policies.optimal.distribution import (
    DistributionLevels,
    distribution_echelon_levels,
    distribution_levels_normal,
    distribution_levels_poisson,
)
from policies.optimal.eoq import (
    EOQBackorderSolution,
    EOQSolution,
    eoq,
    eoq_backorders,
    eoq_backorders_cost,
    eoq_cost,
)
from policies.optimal.newsvendor import (
    BaseStockMeasures,
    NewsvendorSolution,
    base_stock_poisson_measures,
    expected_cost_normal,
    expected_cost_poisson,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
    poisson_loss,
)
from policies.optimal.rq import (
    RQSolution,
    reorder_point_service,
    rq_cost_normal,
    rq_cost_poisson,
    rq_normal_approx,
    rq_poisson_exact,
)
from policies.optimal.serial import (
    SerialSolution,
    clark_scarf_normal,
    clark_scarf_poisson,
    echelon_to_local_holding,
    local_to_echelon_holding,
)
from policies.optimal.ss import (
    SSSolution,
    ss_cost_poisson,
    ss_power_approximation,
    zheng_federgruen,
)

__all__ = [
    "AssemblyLevels",
    "BaseStockMeasures",
    "DistributionLevels",
    "EOQBackorderSolution",
    "EOQSolution",
    "NewsvendorSolution",
    "RQSolution",
    "RoslingChain",
    "SSSolution",
    "SerialSolution",
    "assembly_echelon_levels",
    "base_stock_poisson_measures",
    "clark_scarf_normal",
    "clark_scarf_poisson",
    "distribution_echelon_levels",
    "distribution_levels_normal",
    "distribution_levels_poisson",
    "echelon_to_local_holding",
    "eoq",
    "eoq_backorders",
    "eoq_backorders_cost",
    "eoq_cost",
    "expected_cost_normal",
    "expected_cost_poisson",
    "local_to_echelon_holding",
    "newsvendor_normal",
    "newsvendor_poisson",
    "normal_loss",
    "poisson_loss",
    "reorder_point_service",
    "rosling_serial_order",
    "rq_cost_normal",
    "rq_cost_poisson",
    "rq_normal_approx",
    "rq_poisson_exact",
    "ss_cost_poisson",
    "ss_power_approximation",
    "zheng_federgruen",
]
