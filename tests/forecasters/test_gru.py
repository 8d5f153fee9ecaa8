"""The GRU forecaster (forecasters/gru.py): its YAML and the contract."""

from __future__ import annotations

import importlib.util

import pytest

from forecasters.base import check_forecaster
from forecasters.gru import GRU
from tests.forecasters.helpers import SMALL, assert_yaml_holds_the_defaults

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None, reason="TensorFlow is not installed"
)


@pytest.mark.parametrize(("name", "cls"), [("gru", GRU)])
def test_yaml_instantiates_with_every_parameter_at_its_default(name, cls):
    assert_yaml_holds_the_defaults(name, cls)


@pytest.mark.parametrize(
    ("cls", "loss"),
    [(GRU, "mse")],
    ids=["GRU-mse"],
)
def test_passes_check_forecaster(cls, loss):
    check_forecaster(cls(**SMALL, loss=loss))
