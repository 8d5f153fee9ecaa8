"""The backtest leaderboard (experiments/leaderboard.py) on fake sweep folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from experiments.leaderboard import leaderboard, main, write_leaderboard
from tests.conftest import ROOT


def make_job(sweep, job, forecaster, summary=None, per_series=None, overrides=None, text=None):
    """A job folder as a backtest sweep leaves it (``text``: a raw backtest.json)."""
    d = sweep / str(job)
    (d / ".hydra").mkdir(parents=True)
    overrides = overrides or ["demand=bakery", f"forecaster={forecaster}"]
    (d / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (d / ".hydra" / "config.yaml").write_text("seed: 0\n")
    if text is None and summary is not None:
        record = {"forecaster": forecaster, "summary": summary, "per_series": per_series or []}
        text = json.dumps(record)
    if text is not None:
        (d / "backtest.json").write_text(text)
    return d


def summary(rmsse, mae):
    return {"mae": mae, "rmse": 2 * mae, "bias": 0.1, "mase": rmsse * 2, "rmsse": rmsse}


@pytest.fixture
def sweep(tmp_path):
    d = tmp_path / "sweep"
    make_job(d, 0, "seasonal_naive", summary(0.6, 24.0))
    make_job(d, 1, "ets", summary(0.5, 20.0))
    # no mean RMSSE in the summary: the mean of the per-series values
    make_job(
        d,
        2,
        "glm",
        {"mae": 18.0},
        per_series=[{"series": "a", "rmsse": 0.4}, {"series": "b", "rmsse": 0.5}],
    )
    make_job(d, 3, "holt_winters", text="{not json")
    make_job(d, 4, "sarimax")  # failed: no backtest.json
    (d / "multirun.yaml").write_text("hydra: {}\n")
    return d


def test_one_row_per_readable_job_ranked_by_mean_rmsse(sweep, capsys):
    table = leaderboard(sweep)
    assert table.forecaster.tolist() == ["glm", "ets", "seasonal_naive"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table.job.tolist() == [2, 1, 0]
    assert table.rmsse.tolist() == pytest.approx([0.45, 0.5, 0.6])
    assert table.rmsse_vs_baseline.tolist() == pytest.approx([0.45 / 0.6 - 1, 0.5 / 0.6 - 1, 0])
    assert table.mae.tolist() == [18.0, 20.0, 24.0]
    assert table.configuration.tolist() == [
        "forecaster=glm",
        "forecaster=ets",
        "forecaster=seasonal_naive",
    ]
    assert set(table.scenario) == {"demand=bakery"}
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("stocklab: warning: skipping") for line in err)
    assert "3" in err[0] and "not readable JSON" in err[0]
    assert "4" in err[1] and "no backtest.json" in err[1]


def test_without_a_baseline_the_relative_column_is_empty(tmp_path):
    make_job(tmp_path, 0, "ets", summary(0.5, 20.0))
    make_job(tmp_path, 1, "glm", summary(0.4, 18.0))
    table = leaderboard(tmp_path)
    assert table.rmsse_vs_baseline.isna().all()
    assert table.forecaster.tolist() == ["glm", "ets"]


def test_each_scenario_has_its_own_baseline_and_ranks(tmp_path):
    for job, (demand, name, rmsse) in enumerate(
        [
            ("a", "seasonal_naive", 1.0),
            ("a", "ets", 0.8),
            ("b", "seasonal_naive", 0.5),
            ("b", "ets", 0.6),
        ]
    ):
        make_job(
            tmp_path,
            job,
            name,
            summary(rmsse, 1.0),
            overrides=[f"demand={demand}", f"forecaster={name}"],
        )
    table = leaderboard(tmp_path).set_index("job")
    assert table.loc[1, "rmsse_vs_baseline"] == pytest.approx(-0.2)
    assert table.loc[3, "rmsse_vs_baseline"] == pytest.approx(0.2)
    assert table["rank"].to_dict() == {0: 2, 1: 1, 2: 1, 3: 2}


def test_write_leaderboard_writes_the_table_and_the_chart(sweep):
    table, csv, png = write_leaderboard(sweep)
    assert csv == sweep / "leaderboard.csv" and png == sweep / "leaderboard.png"
    back = pd.read_csv(csv)
    assert back.forecaster.tolist() == table.forecaster.tolist()
    assert back.rmsse_vs_baseline.tolist() == pytest.approx(table.rmsse_vs_baseline.tolist())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in os.listdir(sweep) if p.endswith(".tmp")]  # renamed into place


def test_cli_prints_the_table_and_the_paths(sweep, capsys):
    assert main([str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "glm" in out and "rmsse_vs_baseline" in out
    assert f"leaderboard: {sweep / 'leaderboard.csv'} and {sweep / 'leaderboard.png'}" in out


@pytest.mark.cli
def test_cli_without_backtest_jobs_exits_2_with_one_line(tmp_path):
    make_job(tmp_path, 0, "ets")  # a job folder, but no backtest.json
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.leaderboard", str(tmp_path)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("stocklab: error:")]
    assert len(errors) == 1 and "no backtest jobs" in errors[0]
    assert not (tmp_path / "leaderboard.csv").exists()
