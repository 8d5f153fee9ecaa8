"""GRU forecaster: one gated recurrent unit network trained across all SKUs.

The GRU (Cho, van Merrienboer, Gulcehre, Bahdanau, Bougares, Schwenk & Bengio 2014,
"Learning phrase representations using RNN encoder-decoder for statistical machine
translation", EMNLP) merges the LSTM's gates into an update and a reset gate and keeps no
separate memory cell: fewer weights, a little faster, often as accurate on short windows.
One network serves every SKU, trained on the windows of each SKU's history divided by its
mean, the global-model idea of DeepAR (Salinas, Flunkert, Gasthaus & Januschowski 2020).
MSE training gives the mean path; pinball training (Koenker & Bassett 1978) gives quantiles
whose spread becomes the std. Windowing, training with time-ordered early stopping, the
predictive spread, recursion beyond ``horizon`` and save/load are shared with the LSTM and
described in :mod:`forecasters.deep`.

TensorFlow is imported on the first ``fit`` or ``load``, not with this module.
"""

from __future__ import annotations

from forecasters.deep import DeepForecaster

__all__ = ["GRU"]


class GRU(DeepForecaster):
    """Global GRU over all SKUs: ``lookback`` periods in, ``horizon`` periods out."""

    cell = "GRU"
