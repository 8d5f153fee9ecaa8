"""LSTM forecaster: one long short-term memory network trained across all SKUs.

The LSTM cell (Hochreiter & Schmidhuber 1997, "Long short-term memory", *Neural
Computation* 9(8)) carries a memory cell through the input window, with input, forget and
output gates deciding what to keep; the gated memory lets it hold on to a weekly pattern
across the window. One network serves every SKU, trained on the windows of each SKU's
history divided by its mean, the global-model idea of DeepAR (Salinas, Flunkert, Gasthaus &
Januschowski 2020). MSE training gives the mean path; pinball training (Koenker & Bassett
1978) gives quantiles whose spread becomes the std. Windowing, training with time-ordered
early stopping, the predictive spread, recursion beyond ``horizon`` and save/load are
shared with the GRU and described in :mod:`forecasters.deep`.

TensorFlow is imported on the first ``fit`` or ``load``, not with this module.
"""

from __future__ import annotations

from forecasters.deep import DeepForecaster

__all__ = ["LSTM"]


class LSTM(DeepForecaster):
    """Global LSTM over all SKUs: ``lookback`` periods in, ``horizon`` periods out."""

    cell = "LSTM"
