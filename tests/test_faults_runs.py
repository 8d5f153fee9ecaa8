"""Runs and sweeps that never lie: faults injected through the command line.

Every test breaks a run or a sweep on purpose -- SIGKILL or Ctrl-C at chosen points of the
writes, a full disk, a file size limit, truncated or garbage records, a changed grid under
``resume=true``, re-used and shared run folders -- and checks three things: the exit
status, the one line that says what happened, and that nothing incomplete looks complete
(a ``metrics.json`` always comes with every file it lists; a job without one is never
``ok``). Kill points are exact: ``tests/fault_hooks/sitecustomize.py`` counts the renames
that complete result files and strikes before or after the n-th.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import aggregate, callbacks, report
from experiments.aggregate import RUN_SETTINGS, collect
from experiments.run import RESULT_FILES
from tests.conftest import ROOT, TINY, run_cli

pytestmark = pytest.mark.cli

T = TINY
GRID = ["-m", *T, "seed=0,1"]
#: What one job of T writes; metrics.json is the 4th rename of job 0 and the 8th of job 1,
#: sweep_summary.csv the 9th.
JOB_FILES = {"kpis_by_sku.parquet", "trace.parquet", "population.csv", "metrics.json"}
HOOKS = ROOT / "tests" / "fault_hooks"
#: What Hydra and the lock leave in a run folder before any result exists.
HARNESS = {".hydra", "run.log", ".stocklab.lock"}


def _env(fault: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKLAB_FAULT")}
    env["PYTHONPATH"] = f"{HOOKS}{os.pathsep}{ROOT}"
    if fault:
        env["STOCKLAB_FAULT"] = fault
    return env


def _cli(
    args: list[str], fault: str | None = None, ulimit_kb: int | None = None
) -> subprocess.CompletedProcess:
    """``python -m experiments.run`` with a fault hook and/or a file size limit."""
    cmd = [sys.executable, "-m", "experiments.run", *args]
    if ulimit_kb is not None:
        cmd = ["bash", "-c", f'ulimit -f {ulimit_kb}; exec "$@"', "bash", *cmd]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        env=_env(fault),
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    """Ctrl-C acts in the child whatever the suite was started from: a shell without job
    control starts background jobs with SIGINT ignored, children inherit that, and Python
    then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _popen(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.run", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _one_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def _last_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()[-1]


def _results_in(folder: Path) -> set[str]:
    """Result files (and their temporary files) in a run folder."""
    names = {p.name for p in folder.iterdir()} if folder.exists() else set()
    return {n for n in names if n in RESULT_FILES or n.endswith(".tmp")}


def _nothing_incomplete_looks_complete(sweep: Path) -> None:
    """Every job folder with a metrics.json has every file it lists; none has tmp files
    that a reader could take for results."""
    for job in (p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit()):
        if (job / "metrics.json").exists():
            listed = json.loads((job / "metrics.json").read_text())["files"]
            assert set(listed) | {"metrics.json"} == JOB_FILES, job
            assert all((job / f).exists() for f in listed), job


def _summary(sweep: Path) -> pd.DataFrame:
    """sweep_summary.csv without what differs between two folders of the same jobs (their
    paths, and the run settings a resumed sweep adds to its overrides)."""
    table = pd.read_csv(sweep / "sweep_summary.csv")
    drop = ["path", "overrides", *RUN_SETTINGS]
    return table.drop(columns=[c for c in drop if c in table]).sort_values("job")


def _same_summary(sweep: Path, reference: Path) -> None:
    got, want = _summary(sweep), _summary(reference)
    assert (got.status == "ok").all(), got[["job", "status"]]
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_exact=True
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted sweep of T over seeds 0 and 1."""
    sweep = tmp_path_factory.mktemp("reference") / "sweep"
    proc = _cli([*GRID, f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    assert "2 jobs: 2 ok, 0 failed, 0 missing" in proc.stdout
    return sweep


@pytest.fixture
def copy(reference, tmp_path) -> Path:
    target = tmp_path / "sweep"
    shutil.copytree(reference, target)
    return target


# ---------------------------------------------------------------- resume checks identity


def test_resume_after_changing_the_grid_reruns_every_job(copy):
    proc = _cli([*GRID, "n_skus=3", "resume=true", f"hydra.sweep.dir={copy}"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("another configuration (n_skus: 2 -> 3); re-running") == 2
    assert "skipped" not in proc.stdout
    for job in ("0", "1"):
        metrics = json.loads((copy / job / "metrics.json").read_text())
        assert metrics["config"]["n_skus"] == 3
        skus = pd.read_parquet(copy / job / "kpis_by_sku.parquet")
        assert len(skus) == 2 * 3  # replications x SKUs: the new results, not the old
    assert (pd.read_csv(copy / "sweep_summary.csv").n_skus == 3).all()


def test_resume_skips_identical_jobs_whatever_their_run_settings(copy):
    before = {j: (copy / j / "metrics.json").stat().st_mtime_ns for j in ("0", "1")}
    proc = _cli([*GRID, "progress=true", "resume=true", f"hydra.sweep.dir={copy}"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("has its results already; skipped") == 2
    assert before == {j: (copy / j / "metrics.json").stat().st_mtime_ns for j in ("0", "1")}


# ------------------------------------------------------------ SIGKILL, then aggregate,
# ------------------------------------------------------------ report and resume


@pytest.mark.parametrize(
    "point",
    [
        "1:before",  # job 0 simulated, nothing renamed yet (a tmp file is left)
        "3:after",  # job 0: three files, no metrics.json
        "4:before",  # job 0: metrics.json written to its tmp file, not renamed
        "4:after",  # job 0 complete, job 1 not started
        "6:after",  # job 1 half written
        "8:after",  # both jobs complete, no summary
        "9:before",  # the summary written to its tmp file, not renamed
    ],
)
def test_sigkill_at_any_write_then_aggregate_report_resume_give_the_full_sweep(
    point, copy, reference, tmp_path
):
    sweep = tmp_path / "killed"
    proc = _cli([*GRID, f"hydra.sweep.dir={sweep}"], fault=f"{point}:kill")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    _nothing_incomplete_looks_complete(sweep)
    n, when = point.split(":")
    finished = sum(m < int(n) or (m == int(n) and when == "after") for m in (4, 8))

    assert aggregate.main([str(sweep)]) == 0  # the killed sweep is summarised
    table = collect(sweep)
    assert len(table) == 2 and (table.status == "ok").sum() == finished
    assert set(table.status) <= {"ok", "missing"}
    if point == "4:after":
        assert report.main([str(sweep), "--out", str(tmp_path / "report")]) == 0
        md = (tmp_path / "report" / "report.md").read_text()
        assert "missing" in md

    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("skipped") == finished
    _nothing_incomplete_looks_complete(sweep)
    assert not list(sweep.glob("[0-9]/.*.tmp"))  # the re-run jobs swept their leftovers
    _same_summary(sweep, reference)


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_after_a_random_delay_then_resume_gives_the_full_sweep(seed, reference, tmp_path):
    sweep = tmp_path / "killed"
    proc = _popen([*GRID, f"hydra.sweep.dir={sweep}"])
    try:
        time.sleep(random.Random(seed).uniform(1.0, 1.8))
    finally:
        proc.kill()
        proc.communicate()
    if sweep.exists():
        _nothing_incomplete_looks_complete(sweep)
    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    _same_summary(sweep, reference)


# ------------------------------------------------------------------ unreadable records


CORRUPTIONS = {
    "truncated": lambda job: (job / "metrics.json").write_text(
        (job / "metrics.json").read_text()[:100]
    ),
    "empty": lambda job: (job / "metrics.json").write_text(""),
    "binary garbage": lambda job: (job / "metrics.json").write_bytes(bytes(range(256)) * 4),
    "not an object": lambda job: (job / "metrics.json").write_text("[1, 2]"),
    "no kpis": lambda job: (job / "metrics.json").write_text('{"config": {}}'),
    "kpi without mean": lambda job: (job / "metrics.json").write_text(
        '{"kpis": {"cost_per_period": {"ci95": 1.0}}}'
    ),
    "listed file gone": lambda job: (job / "trace.parquet").unlink(),
    "a folder": lambda job: ((job / "metrics.json").unlink(), (job / "metrics.json").mkdir()),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_an_unreadable_metrics_json_makes_its_job_corrupt_and_the_rest_is_summarised(
    kind, copy, reference, capsys
):
    CORRUPTIONS[kind](copy / "0")
    assert aggregate.main([str(copy)]) == 0
    assert "1 ok, 0 failed, 1 corrupt, 0 missing" in capsys.readouterr().out
    table = pd.read_csv(copy / "sweep_summary.csv").set_index("job")
    assert table.loc[0, "status"] == "corrupt" and table.loc[0, "error"]
    assert pd.isna(table.loc[0, "cost_per_period"])  # nothing of it passes for a result
    want = pd.read_csv(reference / "sweep_summary.csv").set_index("job")
    assert table.loc[1, "status"] == "ok"
    assert table.loc[1, "cost_per_period"] == want.loc[1, "cost_per_period"]


def test_resume_repairs_corrupt_jobs(copy, reference, tmp_path):
    CORRUPTIONS["truncated"](copy / "0")
    CORRUPTIONS["binary garbage"](copy / "1")
    assert report.main([str(copy), "--out", str(tmp_path / "report")]) == 0
    md = (tmp_path / "report" / "report.md").read_text()
    assert md.count("| corrupt") == 2 and "metrics.json unreadable" in md
    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={copy}"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("metrics.json unreadable") == 2
    assert proc.stdout.count("re-running") == 2
    _same_summary(copy, reference)


@pytest.fixture(scope="module")
def failing(tmp_path_factory) -> Path:
    """lead time -1 (invalid) and 1: job 0 fails, job 1 runs; the sweep exits 1."""
    sweep = tmp_path_factory.mktemp("failing") / "sweep"
    proc = _cli(["-m", *T, "network.lead_time=-1,1", f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 1, proc.stderr
    assert "1 ok, 1 failed, 0 missing" in proc.stdout
    line = _last_line(proc)
    assert line.startswith("stocklab: error: 1 failed of 2 jobs") and "sweep_summary.csv" in line
    return sweep


@pytest.mark.parametrize(
    "content", ['{"error": "ConfigError", "mess', "\x00\x01garbage", '"a string"']
)
def test_an_unreadable_error_json_makes_its_job_corrupt(content, failing, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(failing, sweep)
    (sweep / "0" / "error.json").write_text(content)
    table = collect(sweep).set_index("job")
    assert table.loc[0, "status"] == "corrupt" and "error.json" in table.loc[0, "error"]
    assert table.loc[1, "status"] == "ok"
    assert report.main([str(sweep)]) == 0
    assert "| corrupt" in (sweep / "report.md").read_text()


# ----------------------------------------------------------------------- exit statuses


def test_a_sweep_where_every_job_fails_exits_1_after_its_summary(tmp_path):
    proc = _cli(["-m", *T, "network.lead_time=-1,-2", f"hydra.sweep.dir={tmp_path}"])
    assert proc.returncode == 1
    assert _last_line(proc).startswith("stocklab: error: 2 failed of 2 jobs")
    assert (pd.read_csv(tmp_path / "sweep_summary.csv").status == "failed").all()
    assert not list(tmp_path.rglob("metrics.json"))


def test_not_applicable_jobs_do_not_fail_a_sweep(tmp_path):
    proc = _cli(
        ["-m", *T, "policy=forecast_order_up_to", "forecaster=ses"]
        + ["review=periodic,continuous", f"hydra.sweep.dir={tmp_path}"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 ok, 0 failed, 0 missing, 1 not applicable" in proc.stdout


@pytest.mark.parametrize(
    ("outcome", "status", "needle"),
    [
        ({"corrupt": 1, "ok": 3}, 1, "1 corrupt of 4 jobs"),
        ({"missing": 2, "ok": 1}, 1, "2 missing of 3 jobs"),
        ({"ok": 2, "not applicable": 1}, 0, ""),
    ],
)
def test_the_sweep_exit_status_counts_failed_corrupt_and_missing_jobs(
    outcome, status, needle, monkeypatch, capsys
):
    monkeypatch.setattr(callbacks, "OUTCOME", {"sweep_dir": "s", "counts": outcome, "error": None})
    assert callbacks.exit_status() == status
    assert needle in capsys.readouterr().err


def test_a_sweep_whose_summary_cannot_be_written_exits_1(copy):
    (copy / "sweep_summary.csv").unlink()
    (copy / "sweep_summary.csv").mkdir()  # the summary's rename fails
    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={copy}"])
    assert proc.returncode == 1
    assert _last_line(proc).startswith(f"stocklab: error: could not summarise the sweep in {copy}")


def test_a_sweep_over_a_file_size_limit_fails_its_jobs_and_resume_repairs_them(reference, tmp_path):
    sweep = tmp_path / "sweep"
    proc = _cli([*GRID, f"hydra.sweep.dir={sweep}"], ulimit_kb=8)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("could not write results to") == 2
    _nothing_incomplete_looks_complete(sweep)
    assert not list(sweep.rglob("metrics.json"))
    table = collect(sweep)
    assert set(table.status) <= {"failed", "missing"}
    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    _same_summary(sweep, reference)


# ------------------------------------------------------------- a single run's writes


def test_a_full_disk_while_writing_leaves_nothing_and_says_so_in_one_line(tmp_path):
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"], fault="3:before:enospc")
    assert proc.returncode == 1
    line = _one_line(proc)
    assert (
        line == f"stocklab: error: could not write results to {tmp_path}: No space left on device"
    )
    assert _results_in(tmp_path) == set()


def test_a_file_size_limit_leaves_nothing_and_says_so_in_one_line(tmp_path):
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"], ulimit_kb=8)
    assert proc.returncode == 1
    assert (
        _one_line(proc) == f"stocklab: error: could not write results to {tmp_path}: File too large"
    )
    assert _results_in(tmp_path) == set()


def test_a_replay_run_that_fails_while_writing_removes_its_cleaned_data_too(tmp_path):
    replay = [
        "demand=replay",
        "demand.path=sim/datasets/example_sales.csv",
        "demand.start=2023-06-01",
        "network=single",
        "policy=ss",
        "horizon=40",
        "warmup=7",
        "replications=2",
        "progress=false",
    ]
    proc = _cli([*replay, f"hydra.run.dir={tmp_path}"], fault="2:after:enospc")
    assert proc.returncode == 1
    assert "No space left on device" in _one_line(proc)
    assert _results_in(tmp_path) == set()  # cleaned.parquet and the report went too


# "exec": SIGINT inside a string exec, as inside numba's compiler, where CPython marks the
# process to end by SIGINT (-2) whatever sys.exit says (experiments.interrupts)
@pytest.mark.parametrize("how", ["int", "exec"])
def test_ctrl_c_while_writing_exits_130_and_leaves_nothing(tmp_path, how):
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"], fault=f"2:after:{how}")
    assert proc.returncode == 130
    assert _one_line(proc) == "stocklab: interrupted"
    assert _results_in(tmp_path) == set()


@pytest.mark.parametrize("rename", [1, 4])  # after the first result file, after metrics.json
def test_a_ctrl_c_python_drops_still_exits_130_and_leaves_nothing(tmp_path, rename):
    # SIGINT inside a __del__, as inside numba's disk-cache callback on a first compile:
    # Python drops the KeyboardInterrupt; the run must not go on to finish
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"], fault=f"{rename}:after:lost")
    assert proc.returncode == 130, proc.stderr
    assert _one_line(proc) == "stocklab: interrupted"
    assert _results_in(tmp_path) == set()


def test_ctrl_c_while_simulating_exits_130_and_leaves_no_metrics(tmp_path):
    args = [*T, "horizon=2000000", "trace_skus=0", f"hydra.run.dir={tmp_path}"]
    proc = _popen(args)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / ".stocklab.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # simulating by now
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert [ln for ln in err.splitlines() if ln.strip()] == ["stocklab: interrupted"]
    assert _results_in(tmp_path) == set()


def test_ctrl_c_during_a_sweep_exits_130_and_resume_finishes_it(reference, tmp_path):
    sweep = tmp_path / "sweep"
    proc = _cli([*GRID, f"hydra.sweep.dir={sweep}"], fault="6:after:int")
    assert proc.returncode == 130
    assert _last_line(proc) == "stocklab: interrupted"
    assert (sweep / "0" / "metrics.json").exists() and not (sweep / "1" / "metrics.json").exists()
    assert _results_in(sweep / "1") == set()
    proc = _cli([*GRID, "resume=true", f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    _same_summary(sweep, reference)


def test_a_run_killed_while_writing_is_not_complete_and_its_folder_is_refused(tmp_path):
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"], fault="2:after:kill")
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "metrics.json").exists()
    proc = _cli([*T, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2
    line = _one_line(proc)
    assert str(tmp_path) in line and "kpis_by_sku.parquet" in line and "overwrite=true" in line
    proc = _cli([*T, "overwrite=true", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    assert _results_in(tmp_path) == JOB_FILES  # no leftovers of the killed run


# ---------------------------------------------------------------------- run folders


@pytest.fixture
def done(tmp_path) -> Path:
    """A folder holding a finished single run of T."""
    proc = run_cli([*T, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def test_a_second_run_into_the_same_folder_is_refused(done):
    before = (done / "metrics.json").read_bytes()
    hydra_before = (done / ".hydra" / "config.yaml").read_bytes()
    proc = run_cli([*T, "trace_skus=0", f"hydra.run.dir={done}"])
    assert proc.returncode == 2
    line = _one_line(proc)
    assert line.startswith(f"stocklab: error: {done} already holds the results of another run")
    assert (done / "metrics.json").read_bytes() == before
    # refused before Hydra starts: the first run's own record of its configuration stays
    assert (done / ".hydra" / "config.yaml").read_bytes() == hydra_before
    assert _results_in(done) == JOB_FILES


def test_overwrite_replaces_the_results_of_the_earlier_run(done):
    proc = run_cli([*T, "trace_skus=0", "overwrite=true", f"hydra.run.dir={done}"])
    assert proc.returncode == 0, proc.stderr
    assert _results_in(done) == JOB_FILES - {"trace.parquet"}  # the old trace is gone
    assert json.loads((done / "metrics.json").read_text())["config"]["trace_skus"] == 0


@pytest.mark.parametrize("name", ["trace.parquet", "error.json", "cleaned.parquet"])
def test_a_folder_with_any_result_file_is_refused(name, tmp_path):
    (tmp_path / name).write_text("from another run")
    proc = run_cli([*T, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2
    assert name in _one_line(proc)
    assert (tmp_path / name).read_text() == "from another run"


def test_hydras_own_files_do_not_make_a_folder_taken(tmp_path):
    # what an earlier run that ended before its results leaves: Hydra's files and the lock
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "config.yaml").write_text("seed: 7\n")
    (tmp_path / "run.log").write_text("")
    (tmp_path / ".stocklab.lock").write_text("")
    proc = run_cli([*T, f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr


def test_resume_in_a_single_run_skips_the_same_configuration(done):
    before = (done / "metrics.json").stat().st_mtime_ns
    proc = run_cli([*T, "resume=true", f"hydra.run.dir={done}"])
    assert proc.returncode == 0, proc.stderr
    assert "has its results already; skipped" in proc.stdout
    assert (done / "metrics.json").stat().st_mtime_ns == before


def test_resume_in_a_single_run_refuses_another_configuration(done):
    proc = run_cli([*T, "seed=1", "resume=true", f"hydra.run.dir={done}"])
    assert proc.returncode == 2
    assert "another configuration (seed: 0 -> 1)" in _one_line(proc)


def test_two_runs_at_once_into_one_folder_one_is_refused(tmp_path):
    runs = [
        _popen([*T, "horizon=20000", f"n_skus={n}", f"hydra.run.dir={tmp_path}"]) for n in (2, 3)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    winner, loser = sorted(range(2), key=lambda i: results[i][0])
    lines = [ln for ln in results[loser][2].splitlines() if ln.strip()]
    assert len(lines) == 1 and str(tmp_path) in lines[0], lines
    assert "in use by another run" in lines[0] or "already holds" in lines[0]
    # the folder holds the winner's results only, each file of the same run
    n_skus = json.loads((tmp_path / "metrics.json").read_text())["config"]["n_skus"]
    assert n_skus == (2, 3)[winner]
    assert len(pd.read_parquet(tmp_path / "kpis_by_sku.parquet")) == 2 * n_skus
    # the loser was refused before Hydra wrote its configuration into the folder
    assert f"n_skus: {n_skus}" in (tmp_path / ".hydra" / "config.yaml").read_text()


def test_overwrite_must_be_true_or_false(tmp_path):
    proc = run_cli([*T, "overwrite=maybe", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 2
    assert "overwrite" in _one_line(proc) and "maybe" in _one_line(proc)


# ------------------------------------------------------------------- missing folders


@pytest.mark.parametrize("module", ["report", "aggregate"])
def test_report_and_aggregate_on_a_missing_folder_say_so_and_create_nothing(module, tmp_path):
    where = tmp_path / "nowhere"
    proc = subprocess.run(
        [sys.executable, "-m", f"experiments.{module}", str(where)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert _one_line(proc) == f"stocklab: error: sweep folder {where} does not exist"
    assert not where.exists()
