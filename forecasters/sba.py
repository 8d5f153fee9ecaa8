"""Syntetos-Boylan approximation (SBA): Croston's method with its bias removed.

Croston's (1972) ``size / interval`` overestimates mean demand by about
``alpha / (2 - alpha)`` of it; Syntetos & Boylan (2005) multiply it by ``1 - alpha / 2``,
which makes it approximately unbiased (Hyndman & Athanasopoulos, *Forecasting: Principles
and Practice*, 3rd ed., Sec. 13.2). Everything else, initialisation, the approximate
predictive std (independent one-step errors, ``sum_std = sigma sqrt(k)``) and the minimum
history, is as in :mod:`forecasters.croston`.
"""

from __future__ import annotations

from forecasters.croston import Croston


class SBA(Croston):
    """Croston with the Syntetos & Boylan (2005) bias correction ``1 - alpha / 2``."""

    param_names = ("alpha",)

    def __init__(self, *, alpha: float = 0.1):
        super().__init__(alpha=alpha)

    @property
    def bias_factor(self) -> float:
        return 1.0 - self.alpha / 2.0
