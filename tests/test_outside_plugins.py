"""Plug-ins that live outside the repo: a policy and a forecaster in a user's own package,
checked by the public contract checkers, selected from the user's own config folder (on
Hydra's search path) or by ``_target_``; the header and ``metrics.json`` name the class,
and a wrong key lists the keys that class accepts."""

from __future__ import annotations

import json
import subprocess
import textwrap

import numpy as np
import pytest

from tests.conftest import poisson_context, run_cli

POLICY = textwrap.dedent(
    '''
    import numpy as np

    from policies.base import Policy


    class HalfGap(Policy):
        """Order half the gap between a target position and the position."""

        param_names = ("target",)
        elementwise = True

        def __init__(self, *, target: float = 50.0):
            self.target = float(target)

        def order_quantity(self, state, forecast=None):
            return np.maximum(0.5 * (self.target - state.position), 0.0)
    '''
)
FORECASTER = textwrap.dedent(
    '''
    import numpy as np

    from forecasters.base import Forecast, Forecaster, as_history


    class LastWeekMean(Forecaster):
        """The mean of the last ``window`` periods, flat."""

        def __init__(self, *, window: int = 7):
            self.window = int(window)

        def fit(self, y, exog=None):
            self._ignore_exog(exog)
            self.history = as_history(y)[-self.window :]
            return self

        def update(self, y_new, exog_new=None):
            self._ignore_exog(exog_new)
            self.history = np.vstack([self.history, np.atleast_2d(y_new)])[-self.window :]

        def predict(self, h, exog_future=None):
            mean = self.history.mean(axis=0)
            return Forecast(time=0.0, mean=np.repeat(mean[None, :], h, axis=0))
    '''
)


@pytest.fixture(scope="module")
def user_package(tmp_path_factory):
    root = tmp_path_factory.mktemp("user")
    pkg = root / "myinventory"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "policies.py").write_text(POLICY)
    (pkg / "forecasters.py").write_text(FORECASTER)
    conf = root / "conf"
    (conf / "policy").mkdir(parents=True)
    (conf / "policy" / "half_gap.yaml").write_text(
        "_target_: myinventory.policies.HalfGap\ntarget: 60\n"
    )
    (conf / "forecaster").mkdir()
    (conf / "forecaster" / "last_week.yaml").write_text(
        "_target_: myinventory.forecasters.LastWeekMean\nwindow: 7\n"
    )
    return root


def _run(root, args: list[str]) -> subprocess.CompletedProcess:
    return run_cli(args, pythonpath=(root,))


QUICK = ["n_skus=3", "horizon=60", "warmup=10", "replications=2", "progress=false"]


def test_the_contract_checkers_accept_the_user_classes(user_package, monkeypatch):
    from forecasters.base import check_forecaster
    from policies.base import check_policy

    monkeypatch.syspath_prepend(str(user_package))
    from myinventory.forecasters import LastWeekMean
    from myinventory.policies import HalfGap

    context = poisson_context(np.full(3, 5.0), order_fixed=0.0)
    check_policy(HalfGap(target=40), context)
    check_forecaster(LastWeekMean(window=5))


@pytest.mark.cli
def test_a_config_folder_on_the_search_path_selects_them(user_package, tmp_path):
    search = f"hydra.searchpath=[file://{user_package / 'conf'}]"
    proc = _run(
        user_package,
        [search, "policy=half_gap", "policy.target=70", *QUICK, f"hydra.run.dir={tmp_path}"],
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("policy=half_gap (myinventory.policies.HalfGap) · ")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["classes"]["policy"] == "myinventory.policies.HalfGap"
    assert metrics["policy_parameters"] == {"target": 70.0}
    # the user's forecaster drives Stocklab's forecast-driven policy
    run = tmp_path / "fc"
    proc = _run(
        user_package,
        [search, "policy=forecast_order_up_to", "forecaster=last_week", *QUICK]
        + [f"hydra.run.dir={run}"],
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["classes"]["forecaster"] == "myinventory.forecasters.LastWeekMean"
    assert metrics["kpis"]["forecast_mae"]["mean"] > 0


@pytest.mark.cli
def test_target_selects_a_class_and_a_wrong_key_lists_its_keys(user_package, tmp_path):
    proc = _run(
        user_package,
        ["~policy", "+policy={_target_:myinventory.policies.HalfGap,target:55}", *QUICK]
        + [f"hydra.run.dir={tmp_path}"],
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("policy=myinventory.policies.HalfGap · ")
    search = f"hydra.searchpath=[file://{user_package / 'conf'}]"
    for args in (
        [search, "policy=half_gap", "policy.targt=70"],
        ["policy._target_=myinventory.policies.HalfGap", "policy.targt=70"],
    ):
        proc = _run(user_package, [*args, *QUICK, f"hydra.run.dir={tmp_path / 'bad'}"])
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert "myinventory.policies.HalfGap" in lines[0]
        assert "expected one of: target" in lines[0]
