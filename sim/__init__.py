"""Stocklab's simulation engine: SimPy clock, numpy state per node, Hydra-free."""

__version__ = "0.1.0"
