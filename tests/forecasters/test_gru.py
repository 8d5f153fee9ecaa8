"""The GRU forecaster (forecasters/gru.py): its YAML and the contract."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from forecasters.base import check_forecaster
from forecasters.gru import GRU
from tests.forecasters.helpers import SMALL

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed"
)


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "cls"), [("gru", GRU)])
def test_yaml_instantiates_with_every_parameter_at_its_default(name, cls):
    cfg = OmegaConf.load(ROOT / "conf" / "forecaster" / f"{name}.yaml")
    assert cfg.pop("refit_every") == 91  # a simulation setting, not a model parameter
    forecaster = instantiate(cfg)
    assert type(forecaster) is cls
    # every constructor parameter is a YAML key holding its default, one to one
    defaults = {k: p.default for k, p in inspect.signature(cls).parameters.items()}
    assert [k for k in cfg if k != "_target_"] == list(cls.param_names) == list(defaults)
    assert forecaster.parameters() == defaults


@pytest.mark.parametrize(
    ("cls", "loss"),
    [(GRU, "mse")],
    ids=["GRU-mse"],
)
def test_passes_check_forecaster(cls, loss):
    check_forecaster(cls(**SMALL, loss=loss))
