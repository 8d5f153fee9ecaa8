"""The per-SKU fitting engine (forecasters/parallel.py): the fallback chain, one BLAS thread
per fit, workers = one process, per-SKU regressors in workers, and the progress of long
fits."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

import forecasters.parallel as parallel
from forecasters.ets import ETS
from forecasters.glm import GLMRegression
from forecasters.parallel import fit_per_sku
from tests.forecasters.helpers import (
    promoted_demand,
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


def test_engine_falls_back_on_non_finite_results_and_never_on_the_last_resort():
    y = np.arange(12.0).reshape(4, 3)

    def main(col, exog):
        return np.array([np.nan]) if col[0] == 1.0 else np.array([col.sum()])

    def last(col, exog):
        return np.array([-1.0])

    fits = fit_per_sku(main, y, fallbacks=[("last", last)], name="main")
    assert fits.model.tolist() == [0, 1, 0]
    assert "non-finite" in fits.reasons[1]
    with pytest.raises(RuntimeError, match="SKU 0"):
        fit_per_sku(lambda c, e: 1 / 0, y[:, :1], fallbacks=[("also", lambda c, e: [][0])])


def _blas_threads(col, exog):
    from threadpoolctl import threadpool_info

    return np.array([max(pool["num_threads"] for pool in threadpool_info())])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fits_run_with_one_blas_thread(n_jobs):
    import forecasters.ets  # noqa: F401 -- loads statsmodels' BLAS, as a forecaster does

    fits = fit_per_sku(_blas_threads, np.ones((3, 4)), n_jobs=n_jobs)
    assert [int(r[0]) for r in fits.results] == [1, 1, 1, 1]


def test_two_workers_give_the_same_forecasts_as_one():
    y = weekly_demand(100, levels=np.linspace(2, 40, 10)) + 1.0
    y[5, 3] = 0.0  # one SKU falls back, in a worker too
    serial = ETS(seasonal="mul", n_paths=20).fit(y)
    parallel = ETS(seasonal="mul", n_paths=20, n_jobs=2).fit(y)
    assert np.array_equal(serial.model_, parallel.model_)
    a, b = serial.predict(7), parallel.predict(7)
    for name in ("mean", "std", "sum_std", "paths"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_per_sku_regressors_reach_the_right_sku_in_worker_processes():
    n = 80
    y, x = promoted_demand(n, 0, n_skus=3)
    y = np.tile(y, (1, 3))
    x = np.tile(x, (1, 3, 1))
    serial = GLMRegression(fourier_terms=0, trend=False).fit(y, x)
    parallel = GLMRegression(fourier_terms=0, trend=False, n_jobs=2).fit(y, x)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)
    np.testing.assert_allclose(serial.coef_[:, :3], serial.coef_[:, 3:6], rtol=1e-12)


def _slow(col, exog):
    time.sleep(0.01)
    return np.array([col.sum()])


def test_long_fits_print_one_plain_line_per_tenth_when_stderr_is_not_a_terminal(
    monkeypatch, capsys
):
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0.0)
    parallel.fit_per_sku(_slow, np.ones((3, 20)), name="slow model")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("slow model: fitted 2/20 series (")
    assert lines[-1].startswith("slow model: fitted 20/20 series (")
    assert all(line.endswith(" s)") for line in lines)


def test_short_fits_print_nothing(capsys):
    parallel.fit_per_sku(_slow, np.ones((3, 3)), name="quick")
    assert capsys.readouterr().err == ""


def test_long_fits_show_a_bar_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0.0)
    parallel.fit_per_sku(_slow, np.ones((3, 5)), name="bar")
    text = err.getvalue()
    assert "bar:" in text and "SKU" in text and "fitted" not in text
