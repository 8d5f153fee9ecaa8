"""Fixtures shared by the forecaster tests."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture
def quiet_statsmodels():
    """Silence the warnings statsmodels raises inside fits (convergence and the like); the
    modules that fit statsmodels models use it for every test (``pytestmark``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
