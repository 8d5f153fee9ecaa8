"""Sweeps lose nothing: failed jobs leave records, killed sweeps show missing jobs, resumed
sweeps skip finished jobs; the report renders from any of them."""

from __future__ import annotations

import base64
import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest

from experiments.aggregate import collect
from experiments.report import build_report, pareto_front
from tests.conftest import run_cli

pytestmark = pytest.mark.cli
QUICK = ["horizon=50", "warmup=5", "replications=3", "n_skus=4", "trace_skus=2"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """policy in {eoq, ss} x lead time in {-1 (invalid), 2}: two jobs fail, two succeed."""
    d = tmp_path_factory.mktemp("sweep")
    proc = run_cli(
        [
            "-m",
            "policy=eoq,ss",
            "network=single",
            "network.lead_time=-1,2",
            *QUICK,
            f"hydra.sweep.dir={d}",
        ]
    )
    assert proc.returncode == 1, proc.stderr  # the summary is written, then the sweep fails
    assert "2 ok, 2 failed, 0 missing" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith("stocklab: error: 2 failed of 4 jobs")
    return d


def test_failed_jobs_leave_an_error_record_and_the_sweep_goes_on(sweep):
    table = pd.read_csv(sweep / "sweep_summary.csv")
    assert sorted(table.status) == ["failed", "failed", "ok", "ok"]
    failed = table[table.status == "failed"]
    assert failed["error"].str.contains("lead_time").all()
    record = json.loads((sweep / str(failed.job.iloc[0]) / "error.json").read_text())
    assert {"error", "message", "traceback", "config"} <= set(record)


def test_a_killed_sweep_shows_its_missing_jobs(sweep, tmp_path):
    copy = tmp_path / "killed"
    shutil.copytree(sweep, copy)
    ok_job = collect(copy).query("status == 'ok'").job.iloc[0]
    shutil.rmtree(copy / str(ok_job))  # as if the job never ran
    table = collect(copy)
    assert len(table) == 4
    assert table.set_index("job").loc[ok_job, "status"] == "missing"
    assert "policy=" in table.set_index("job").loc[ok_job, "overrides"]


def test_resume_skips_finished_jobs(sweep, tmp_path):
    copy = tmp_path / "resumed"
    shutil.copytree(sweep, copy)
    proc = run_cli(
        [
            "-m",
            "policy=eoq,ss",
            "network=single",
            "network.lead_time=-1,2",
            *QUICK,
            f"hydra.sweep.dir={copy}",
            "resume=true",
        ]
    )
    assert proc.returncode == 1, proc.stderr  # the two invalid jobs fail again
    assert proc.stdout.count("has its results already; skipped") == 2


def test_report_renders_tables_figures_and_failures(sweep, tmp_path):
    html_path = build_report(sweep, tmp_path)
    page = html_path.read_text()

    class Images(HTMLParser):
        def __init__(self):
            super().__init__()
            self.srcs, self.tables = [], 0

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.srcs.append(dict(attrs)["src"])
            if tag == "table":
                self.tables += 1

    parser = Images()
    parser.feed(page)
    assert parser.tables >= 3 and len(parser.srcs) >= 3
    for src in parser.srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Failed, missing and not applicable jobs" in page and "lead_time" in page
    assert "python -m experiments.run -m" in page
    md = (tmp_path / "report.md").read_text()
    for name in re.findall(r"\(figures/(figure_\d+\.png)\)", md):
        assert (tmp_path / "figures" / name).exists()


def test_pareto_front():
    import numpy as np

    cost = np.array([1.0, 2.0, 3.0, 2.5])
    fill = np.array([0.8, 0.9, 0.95, 0.85])
    assert list(pareto_front(cost, fill)) == [0, 1, 2]
