"""Holt's linear trend (forecasters/holt.py)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.holt import Holt


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"beta": -0.1}, "beta"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        Holt(**kwargs)


def test_holt_continues_an_exact_line():
    """FPP3 Sec. 8.2: the forecast ``h`` periods ahead is ``l + h b``; on an exact line the
    initial state (a line through the first 10 periods) is the line, and no error moves it."""
    y = 3.0 + 2.0 * np.arange(1.0, 13.0)[:, None]
    fc = Holt(alpha=0.5, beta=0.3).fit(y).predict(4)
    np.testing.assert_allclose(fc.mean[:, 0], 3.0 + 2.0 * np.arange(13.0, 17.0), rtol=1e-12)
    np.testing.assert_allclose(fc.std, 0.0, atol=1e-9)
