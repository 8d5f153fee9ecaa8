"""Optional extras: without TensorFlow (the ``deep`` extra) a deep forecaster is refused
with one line naming the extra; the rest of Stocklab does not need it."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from tests.conftest import run_cli

HIDE = textwrap.dedent(
    """
    import sys

    class _Hide:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras", "tensorboard"):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, _Hide())
    """
)


def _run(tmp_path, args: list[str]) -> subprocess.CompletedProcess:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(HIDE)
    return run_cli(args, pythonpath=(hooks,))


@pytest.mark.cli
@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_deep_forecaster_without_tensorflow_names_the_extra(tmp_path, name):
    proc = _run(
        tmp_path,
        ["policy=forecast_order_up_to", f"forecaster={name}", "n_skus=2", "horizon=40"]
        + [f"hydra.run.dir={tmp_path / 'run'}"],
    )
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"forecaster={name} needs TensorFlow" in lines[0] and "'deep' extra" in lines[0]


@pytest.mark.cli
def test_the_main_job_runs_without_tensorflow(tmp_path):
    proc = _run(tmp_path, ["policy=eoq", "n_skus=2", "horizon=40", f"hydra.run.dir={tmp_path}"])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "metrics.json").exists()
