"""Deep global forecasters: one recurrent network for all SKUs of a node.

Instead of one model per series, a single network learns from the windows of every SKU's
history at once, each series divided by its own scale so that fast and slow movers share
one pattern (a *global* model, the idea behind DeepAR; Salinas, Flunkert, Gasthaus &
Januschowski 2020). The recurrent cell is an LSTM (Hochreiter & Schmidhuber 1997,
:mod:`forecasters.lstm`) or a GRU (Cho et al. 2014, :mod:`forecasters.gru`).

Data. ``scale_`` is each SKU's mean demand over the fitted history (1 for a SKU that never
sold), the scale of DeepAR's mean scaling; demand is divided by it before training and the
forecasts multiplied back. A *window* is ``lookback`` consecutive scaled periods (input) and
the next ``horizon`` periods (target); every SKU contributes every window of its history,
``n_periods - lookback - horizon + 1`` of them. With ``season_length`` set, the network
also sees the position of each *target* period in the season as ``sin, cos`` of
``2 pi (t mod m) / m`` (``m = 7``: the day of the week on daily data), ``t`` counting
periods from the first period of the fitted history.

Network. ``cell(units)`` over the input window -> ``Dropout(dropout)`` -> (concatenated
with the calendar features) -> ``Dense(horizon)`` (``loss="mse"``) or
``Dense(horizon * n_quantiles)`` (``loss="pinball"``, the quantile loss of Koenker &
Bassett 1978, ``max(q e, (q - 1) e)`` for the error ``e = y - y_hat`` at level ``q``).
Adam, ``learning_rate``; up to ``epochs`` passes in batches of ``batch_size``.

Time-ordered validation. The last ``validation_fraction`` of each SKU's windows (at least
one) are held out, never shuffled in: training stops when their loss has not improved for
``patience`` epochs and the weights of the best epoch are restored. The ``horizon - 1``
windows just before them are dropped from training too, because their targets overlap the
first validation targets: no period that a validation window predicts is ever trained on.
The most recent windows thus steer early stopping and the error spread but do not train
the network (its forecasts still start from the latest periods). With
``validation_fraction=0`` every window trains and all ``epochs`` run. Fitting needs
:func:`min_history` periods (58 for the defaults) and raises a ValueError on fewer. With
``tensorboard_dir`` set, each fit logs to ``<tensorboard_dir>/fit-<periods seen>`` (needs
the ``tensorboard`` package).

Forecasts. ``predict(h)`` feeds the latest ``lookback`` periods; for ``h > horizon`` it
rolls forward *recursively*: the (median) forecast of the first ``horizon`` periods is
appended to the window and the network is asked again. Means (and quantiles) are clipped
at 0. A forecast's ``time`` is the number of periods seen (``n_seen_``). ``update`` only
appends the new period to the history (no training, scale unchanged); ``fit`` trains a
fresh network from scratch.

Predictive spread, approximations both, documented honestly:

* ``loss="mse"``: the network gives the mean only. ``std[k]`` is each SKU's root mean square
  of the validation errors ``k + 1`` periods ahead (the std about zero, so a bias widens
  it), ``sum_std[k]`` the same for the errors of the sums over periods ``1..k+1``. They rest
  on few, overlapping windows per SKU (about ``validation_fraction`` of the history) and on
  the epoch that did best on those very windows, so they lean optimistic; without
  validation they are in-sample errors of the training windows (more optimistic still).
* ``loss="pinball"``: the mean is the 0.5 quantile and the std per period the
  normal-equivalent of the outermost quantile spread, ``(q_hi - q_lo) / (z_hi - z_lo)``
  (``(q90 - q10) / 2.563`` for the default levels; quantiles that cross are sorted first).
  ``sum_std`` assumes errors independent across periods, ``sqrt(cumsum(std^2))``: positive
  error correlation, usual in demand, makes the true spread of sums larger.
* beyond ``horizon`` (recursive periods): MSE holds the last estimated ``std``; sums add
  the extra periods as independent, in both cases.

The simulation adds its own rolling errors of protection-interval sums to each forecast
(``sim/forecasting.py``), which the safety-stock rules can use instead of these.

Reproducibility. ``fit`` calls ``keras.utils.set_random_seed(seed)`` (which also seeds
Python's ``random`` and NumPy's *global* generator; no Stocklab code draws from those) and
``tf.config.experimental.enable_op_determinism()`` (process-wide, and it cannot be undone),
so two fits on the same data give identical forecasts on CPU. TensorFlow is imported only
inside ``fit`` and ``load`` (with ``TF_CPP_MIN_LOG_LEVEL=2`` unless set), so
importing these modules costs nothing.

Persistence: ``save(path)`` writes a folder with ``model.keras`` (the network),
``forecaster.json`` (class, parameters, periods seen) and ``state.npz`` (history, scales,
error spreads); ``DeepForecaster.load(path)`` (or ``LSTM.load``) restores it, giving
identical forecasts. A fitted forecaster holds a Keras model: copy it (``copy.deepcopy``)
before ``fit``, not after.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import time
import warnings
from functools import partial
from pathlib import Path
from statistics import NormalDist
from typing import Any, ClassVar, Literal, Self

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from forecasters.base import Forecast, as_history
from forecasters.smoothing import RecursiveForecaster, check_int

__all__ = [
    "LOSSES",
    "DeepForecaster",
    "scale_of",
    "windows",
    "calendar_features",
    "split_windows",
    "min_history",
    "quantile_std",
]

#: The training loss: mean squared error (mean path) or pinball (quantiles).
Loss = Literal["mse", "pinball"]
LOSSES: tuple[Loss, ...] = ("mse", "pinball")
_CHUNK = 8192
_MODEL_FILE, _PARAMS_FILE, _STATE_FILE = "model.keras", "forecaster.json", "state.npz"


# --- pure functions: scaling, windows, calendar, split, spread --------------------------


def scale_of(y: np.ndarray) -> np.ndarray:
    """Per-SKU scale ``(n_skus,)``: the mean of ``y`` ``(n_periods, n_skus)``, 1 where 0."""
    m = y.mean(axis=0)
    return np.where(m > 0, m, 1.0)


def windows(z: np.ndarray, lookback: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """All windows of ``z`` ``(n_periods, n_skus)``: inputs ``(n_windows, n_skus,
    lookback)`` and targets ``(n_windows, n_skus, horizon)`` (views, not copies). Window
    ``i`` reads periods ``i .. i+lookback-1`` and predicts the next ``horizon``."""
    w = sliding_window_view(z, lookback + horizon, axis=0)
    return w[..., :lookback], w[..., lookback:]


def calendar_features(start: int, n: int, season_length: int) -> np.ndarray:
    """``sin, cos`` of ``2 pi (t mod m) / m`` for periods ``t = start .. start+n-1``,
    shape ``(n, 2)``."""
    angle = 2 * np.pi * (np.arange(start, start + n) % season_length) / season_length
    return np.stack([np.sin(angle), np.cos(angle)], axis=1)


def split_windows(n_windows: int, horizon: int, validation_fraction: float) -> tuple[int, int]:
    """``(n_train, n_val)`` windows per SKU: the last ``n_val`` validate, the first
    ``n_train`` train, the ``horizon - 1`` between them are dropped (see the module
    docstring). ``n_train < 1`` means the history is too short."""
    if validation_fraction == 0:
        return n_windows, 0
    n_val = max(1, int(validation_fraction * n_windows + 0.5))
    return n_windows - n_val - (horizon - 1), n_val


def min_history(lookback: int, horizon: int, validation_fraction: float) -> int:
    """Fewest periods of history ``fit`` accepts: one training window, and with a
    validation split also one validation window and the dropped windows between."""
    n = lookback + horizon
    while split_windows(n - lookback - horizon + 1, horizon, validation_fraction)[0] < 1:
        n += 1
    return n


def quantile_std(q: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """Normal-equivalent std from quantiles ``q`` ``(..., n_levels)`` (sorted along the
    last axis): ``(q_hi - q_lo) / (z_hi - z_lo)`` for the outermost levels."""
    z = NormalDist().inv_cdf
    return (q[..., -1] - q[..., 0]) / (z(levels[-1]) - z(levels[0]))


def _independent_sums(std: np.ndarray) -> np.ndarray:
    return np.sqrt(np.cumsum(std**2, axis=0))


def _extend_spread(std: np.ndarray, sum_std: np.ndarray, h: int) -> tuple[np.ndarray, ...]:
    """Cut or extend ``(horizon, n)`` spreads to ``h`` rows: beyond, the last ``std`` is held
    and the extra periods are added to the sums as independent."""
    horizon = std.shape[0]
    if h <= horizon:
        return std[:h], sum_std[:h]
    extra = np.repeat(std[-1:], h - horizon, axis=0)
    tail = np.sqrt(sum_std[-1] ** 2 + np.cumsum(extra**2, axis=0))
    return np.vstack([std, extra]), np.vstack([sum_std, tail])


# --- lazy TensorFlow ---------------------------------------------------------------------


def has_tensorflow() -> bool:
    """Whether TensorFlow is installed (the ``deep`` extra), without importing it."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def _keras() -> tuple[Any, Any]:
    """Import TensorFlow and Keras (quietly) on first use; returns ``(tf, keras)``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"deep forecasters need the Keras TensorFlow backend, got {keras.backend.backend()}"
        )
    return tf, keras


def _pinball_loss(keras: Any, levels: tuple[float, ...]):
    """Koenker & Bassett (1978) quantile loss, averaged over levels and periods; targets
    ``(batch, horizon, 1)``, predictions ``(batch, horizon, n_levels)``."""
    q = np.asarray(levels, dtype="float32")

    def pinball(y_true, y_pred):
        e = y_true - y_pred
        return keras.ops.mean(keras.ops.maximum(q * e, (q - 1.0) * e), axis=-1)

    return pinball


# --- the forecaster ---------------------------------------------------------------------


def _real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _fraction(name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1)``; a ValueError naming ``forecaster.<name>``."""
    if not (_real(value) and 0 <= value < 1):
        raise ValueError(f"forecaster.{name}(={value!r}) must be in [0, 1)")
    return float(value)


def _positive(name: str, value: Any) -> float:
    """``value`` as a finite float ``> 0``; a ValueError naming ``forecaster.<name>``."""
    if not (_real(value) and 0 < value < math.inf):
        raise ValueError(f"forecaster.{name}(={value!r}) must be a number > 0")
    return float(value)


class DeepForecaster(RecursiveForecaster):
    """Global recurrent network over all SKUs; subclasses name the cell (``cell``).

    Fitted state: ``history_`` (demand seen), ``scale_`` ``(n_skus,)``, ``model_`` (Keras),
    ``std_``/``sum_std_`` ``(horizon, n_skus)`` (MSE only; validation error spread) and
    ``training_log_`` (losses and seconds per epoch, windows used, best epoch).
    """

    #: Name of the Keras recurrent layer (``keras.layers.<cell>``).
    cell: ClassVar[str] = ""
    param_names = (
        "lookback",
        "horizon",
        "units",
        "dropout",
        "learning_rate",
        "epochs",
        "batch_size",
        "validation_fraction",
        "patience",
        "loss",
        "quantiles",
        "season_length",
        "seed",
        "tensorboard_dir",
    )
    _registry: ClassVar[dict[str, type[DeepForecaster]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        DeepForecaster._registry[cls.__name__] = cls

    def __init__(
        self,
        *,
        lookback: int = 28,
        horizon: int = 14,
        units: int = 32,
        dropout: float = 0.1,
        learning_rate: float = 1e-3,
        epochs: int = 30,
        batch_size: int = 256,
        validation_fraction: float = 0.2,
        patience: int = 3,
        loss: Loss = "mse",
        quantiles: tuple[float, ...] | list[float] = (0.1, 0.5, 0.9),
        season_length: int | None = 7,
        seed: int = 0,
        tensorboard_dir: str | None = None,
    ):
        if not has_tensorflow():
            raise ValueError(
                f"forecaster={type(self).__name__.lower()} needs TensorFlow, the 'deep' extra: "
                "pip install -e '.[deep]' (make test installs it)"
            )
        self.lookback = check_int("lookback", lookback, 1)
        self.horizon = check_int("horizon", horizon, 1)
        self.units = check_int("units", units, 1)
        self.dropout = _fraction("dropout", dropout)
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.epochs = check_int("epochs", epochs, 1)
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.validation_fraction = _fraction("validation_fraction", validation_fraction)
        self.patience = check_int("patience", patience, 0)
        if loss not in LOSSES:
            raise ValueError(f"forecaster.loss(={loss!r}) must be one of {', '.join(LOSSES)}")
        self.loss = loss
        self.quantiles = self._check_quantiles(quantiles)
        if season_length is not None:
            season_length = check_int("season_length", season_length, 2)
        self.season_length = season_length
        self.seed = check_int("seed", seed, 0)
        if tensorboard_dir is not None and not isinstance(tensorboard_dir, str | os.PathLike):
            raise ValueError(f"forecaster.tensorboard_dir(={tensorboard_dir!r}) must be a path")
        if tensorboard_dir is not None and importlib.util.find_spec("tensorboard") is None:
            raise ImportError(
                f"forecaster.tensorboard_dir(={tensorboard_dir!r}) needs the tensorboard "
                "package, part of the 'deep' extra: pip install tensorboard"
            )
        self.tensorboard_dir = None if tensorboard_dir is None else str(tensorboard_dir)

    @staticmethod
    def _check_quantiles(quantiles: Any) -> tuple[float, ...]:
        try:
            levels = tuple(float(q) for q in quantiles)
        except (TypeError, ValueError):
            levels = ()
        ok = (
            0.5 in levels
            and 0 < levels[0] < 0.5 < levels[-1] < 1
            and all(a < b for a, b in zip(levels, levels[1:], strict=False))
        )
        if not ok:
            raise ValueError(
                f"forecaster.quantiles(={quantiles!r}) must be increasing levels in (0, 1) "
                "holding 0.5 and one level on each side of it"
            )
        return levels

    # -- sizes ---------------------------------------------------------------------------
    @property
    def min_history(self) -> int:
        """Fewest periods ``fit`` accepts (:func:`min_history`)."""
        return min_history(self.lookback, self.horizon, self.validation_fraction)

    @property
    def _n_outputs(self) -> int:
        return len(self.quantiles) if self.loss == "pinball" else 1

    # -- fit -----------------------------------------------------------------------------
    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = as_history(y)
        if y.shape[0] < self.min_history:
            raise ValueError(
                f"{type(self).__name__}.fit needs at least {self.min_history} periods of "
                f"history (lookback={self.lookback}, horizon={self.horizon}, "
                f"validation_fraction={self.validation_fraction}), got {y.shape[0]}"
            )
        y = self._start(y, exog)
        tf, keras = _keras()
        self.scale_ = scale_of(y)
        scaled = (y / self.scale_).astype("float32")
        x_all, t_all = windows(scaled, self.lookback, self.horizon)
        n_windows, n_skus = x_all.shape[:2]
        n_train, n_val = split_windows(n_windows, self.horizon, self.validation_fraction)
        train = self._inputs(x_all[:n_train], 0), self._targets(t_all[:n_train])
        val = None
        if n_val:
            first = n_windows - n_val
            val = self._inputs(x_all[first:], first), self._targets(t_all[first:])

        keras.utils.set_random_seed(self.seed)
        tf.config.experimental.enable_op_determinism()
        self.model_ = self._build(keras)
        self.model_.compile(
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
            loss="mse" if self.loss == "mse" else _pinball_loss(keras, self.quantiles),
        )
        stamps: list[float] = []
        callbacks = [
            keras.callbacks.LambdaCallback(
                on_epoch_begin=lambda epoch, logs: stamps.append(time.perf_counter()),
                on_epoch_end=lambda epoch, logs: stamps.append(time.perf_counter()),
            )
        ]
        if val is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.patience, restore_best_weights=True
                )
            )
        if self.tensorboard_dir is not None:
            log_dir = os.path.join(self.tensorboard_dir, f"fit-{self.n_seen_}")
            callbacks.append(keras.callbacks.TensorBoard(log_dir=log_dir))
        logs = self.model_.fit(
            *train,
            validation_data=val,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            callbacks=callbacks,
            verbose=0,
        ).history
        val_loss = logs.get("val_loss")
        self.training_log_ = {
            "loss": [float(v) for v in logs["loss"]],
            "val_loss": None if val_loss is None else [float(v) for v in val_loss],
            "epoch_seconds": [b - a for a, b in zip(stamps[::2], stamps[1::2], strict=True)],
            "best_epoch": None if val_loss is None else int(np.argmin(val_loss)),
            "n_train_windows": n_train * n_skus,
            "n_val_windows": n_val * n_skus,
        }
        self._compile_inference(tf)
        self.std_: np.ndarray | None = None
        self.sum_std_: np.ndarray | None = None
        if self.loss == "mse":
            check = val if val is not None else train
            self._error_spread(check, n_skus)
        return self

    def _inputs(self, x: np.ndarray, first: int) -> list[np.ndarray]:
        """Network inputs of windows ``x`` ``(n_windows, n_skus, lookback)`` whose first
        window starts at period ``first``; rows are window-major."""
        n_windows, n_skus, lookback = x.shape
        inputs = [np.ascontiguousarray(x).reshape(n_windows * n_skus, lookback, 1)]
        if self.season_length is not None:
            cal = calendar_features(
                first + lookback, n_windows + self.horizon - 1, self.season_length
            )
            per_window = sliding_window_view(cal, self.horizon, axis=0)  # (n_windows, 2, horizon)
            flat = per_window.transpose(0, 2, 1).reshape(n_windows, 2 * self.horizon)
            inputs.append(np.repeat(flat.astype("float32"), n_skus, axis=0))
        return inputs

    def _targets(self, t: np.ndarray) -> np.ndarray:
        out = np.ascontiguousarray(t).reshape(-1, self.horizon)
        return out[..., None] if self.loss == "pinball" else out

    def _build(self, keras: Any) -> Any:
        layers = keras.layers
        seq = keras.Input((self.lookback, 1), name="history")
        inputs = [seq]
        x = getattr(layers, self.cell)(self.units)(seq)
        x = layers.Dropout(self.dropout)(x)
        if self.season_length is not None:
            cal = keras.Input((2 * self.horizon,), name="calendar")
            inputs.append(cal)
            x = layers.Concatenate()([x, cal])
        k = self._n_outputs
        out = layers.Dense(self.horizon * k)(x)
        if self.loss == "pinball":
            out = layers.Reshape((self.horizon, k))(out)
        return keras.Model(inputs, out, name=type(self).__name__.lower())

    def _compile_inference(self, tf: Any) -> None:
        """One traced inference function per network. (``model.predict`` traces anew for
        every network and batch size, and TensorFlow warns of retracing when one code object
        traces often; a ``partial`` of the model is its own key.)"""
        self._infer_fn = tf.function(partial(self.model_, training=False), reduce_retracing=True)

    def _infer(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Network outputs for ``inputs``, in chunks of ``_CHUNK`` windows (one batch of
        every validation window would hold all their activations at once: ~1 GB at 1,000
        SKUs x 730 periods)."""
        n = inputs[0].shape[0]
        out = [
            self._infer_fn([x[i : i + _CHUNK] for x in inputs]).numpy() for i in range(0, n, _CHUNK)
        ]
        return np.concatenate(out).astype(float)

    def _error_spread(self, data: tuple[list[np.ndarray], np.ndarray], n_skus: int) -> None:
        """RMS of the errors per lead and of their cumulative sums, per SKU, original units."""
        inputs, target = data
        pred = np.maximum(self._infer(inputs), 0.0)
        err = (target - pred).reshape(-1, n_skus, self.horizon) * self.scale_[None, :, None]
        self.std_ = np.sqrt(np.mean(err**2, axis=0)).T
        self.sum_std_ = np.sqrt(np.mean(np.cumsum(err, axis=2) ** 2, axis=0)).T

    # -- update / predict ----------------------------------------------------------------
    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        """Append one period ``(n_skus,)``; the network and the scales stay as fitted."""
        self._record(y_new, exog_new)

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        window = (self._fitted_history()[-self.lookback :] / self.scale_).T.astype("float32")
        blocks = []
        for start in range(0, h, self.horizon):
            x = window[None, :, :]
            out = self._infer(self._inputs(x, self.n_seen_ + start - self.lookback))
            out = np.maximum(out, 0.0)  # (n_skus, horizon) or (n_skus, horizon, n_quantiles)
            if self.loss == "pinball":
                out = np.sort(out, axis=-1)
                point = out[..., self.quantiles.index(0.5)]
            else:
                point = out
            blocks.append(out)
            window = np.concatenate([window, point.astype("float32")], axis=1)[:, -self.lookback :]
        scaled = np.concatenate(blocks, axis=1)[:, :h]  # (n_skus, h[, k])
        if self.loss == "pinball":
            q = np.moveaxis(scaled, 0, 1) * self.scale_[None, :, None]  # (h, n_skus, k)
            mean = q[..., self.quantiles.index(0.5)]
            std = quantile_std(q, self.quantiles)
            sum_std = _independent_sums(std)
        else:
            assert self.std_ is not None and self.sum_std_ is not None  # set by an MSE fit
            mean = scaled.T * self.scale_
            std, sum_std = _extend_spread(self.std_, self.sum_std_, h)
        return self._forecast(mean, std, sum_std)

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted forecaster into folder ``path`` (created); returns it."""
        self._check_fitted()
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # Keras 3.15 reads variables with np.array(x), which NumPy >= 2.4 flags
            warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
            self.model_.save(folder / _MODEL_FILE)
        meta = {
            "class": type(self).__name__,
            "params": self.parameters(),
            "n_seen": self.n_seen_,
            "training_log": self.training_log_,
        }
        (folder / _PARAMS_FILE).write_text(json.dumps(meta, indent=2))
        arrays: dict[str, Any] = {"history": self._fitted_history(), "scale": self.scale_}
        if self.std_ is not None:
            arrays |= {"std": self.std_, "sum_std": self.sum_std_}
        np.savez(folder / _STATE_FILE, **arrays)
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike) -> DeepForecaster:
        """Read a forecaster written by :meth:`save` (its own class, checked against
        ``cls``)."""
        folder = Path(path)
        meta = json.loads((folder / _PARAMS_FILE).read_text())
        kind = DeepForecaster._registry.get(meta["class"])
        if kind is None or not issubclass(kind, cls):
            raise ValueError(f"{folder} holds a {meta['class']}, not a {cls.__name__}")
        self = kind(**meta["params"])
        tf, keras = _keras()
        self.model_ = keras.models.load_model(folder / _MODEL_FILE, compile=False)
        self._compile_inference(tf)
        with np.load(folder / _STATE_FILE) as state:
            self._start(state["history"], None)
            self.scale_ = state["scale"]
            self.std_ = state["std"] if "std" in state else None
            self.sum_std_ = state["sum_std"] if "sum_std" in state else None
        self.training_log_ = meta["training_log"]
        return self
