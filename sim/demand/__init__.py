"""Customer demand: how many units each SKU sells in each period.

A demand model describes a *population* of SKUs: :class:`DemandModel`
(:mod:`sim.demand.base`) is the contract every family fulfils, from drawing the population
once per run to sampling a block of periods for all SKUs in one vectorised call.

Families (choose by class; ``family`` is the name planners see), one module each:

``Poisson`` (:mod:`sim.demand.poisson`)
    Demand per period ~ Poisson(mu): variance = mean, sampled by exact inversion.
``NegativeBinomial`` (:mod:`sim.demand.negative_binomial`)
    Over-dispersed counts (variance > mean) as a gamma mixture of Poissons (Greenwood &
    Yule 1920), with a fixed variance-to-mean ratio per SKU.
``Normal`` (:mod:`sim.demand.normal`)
    Demand ~ N(mu, sigma) censored at zero (Johnson, Kotz & Balakrishnan 1994, Ch. 13).
``Intermittent`` (:mod:`sim.demand.intermittent`)
    Croston's (1972) model: a demand occurs with probability ``p`` and has a positive size.
``Deterministic`` (:mod:`sim.demand.deterministic`)
    The same quantity every period (may be fractional); for EOQ-type textbook checks.
``Replay``, ``Bakery`` (:mod:`sim.demand.replay`)
    A sales history played back as demand, store by store (the bakery chain shipped with
    Stocklab is one).

Beside them: :mod:`sim.demand.modulation` (seasonality, trend, shocks) and
:mod:`sim.demand.promotions` (planned promotions) multiply the expected demand;
:mod:`sim.demand.sampling` (lognormal factors, inversion tables, counter-based uniforms),
:mod:`sim.demand.poisson_inversion` and its compiled kernel :mod:`sim.demand.poisson_table`
are the samplers; :mod:`sim.demand.validation` checks the parameters. The names below are
re-exported so that ``sim.demand.Poisson`` (the ``_target_`` of ``conf/demand/*.yaml``)
and the other public names keep one short path.
"""

from sim.demand.base import DemandModel, population_summary
from sim.demand.deterministic import Deterministic
from sim.demand.intermittent import Intermittent
from sim.demand.modulation import WEEK, YEAR, Modulation, ModulationParams
from sim.demand.negative_binomial import NegativeBinomial
from sim.demand.normal import Normal
from sim.demand.poisson import Poisson
from sim.demand.promotions import Promotions
from sim.demand.replay import Bakery, Replay
from sim.demand.sampling import TABLE_TAIL, InversionTable, counter_uniform, lognormal_factors
from sim.demand.validation import MAX_MEAN

__all__ = [
    "MAX_MEAN",
    "TABLE_TAIL",
    "WEEK",
    "YEAR",
    "Bakery",
    "DemandModel",
    "Deterministic",
    "Intermittent",
    "InversionTable",
    "Modulation",
    "ModulationParams",
    "NegativeBinomial",
    "Normal",
    "Poisson",
    "Promotions",
    "Replay",
    "counter_uniform",
    "lognormal_factors",
    "population_summary",
]
