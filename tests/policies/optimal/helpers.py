"""Shared by the tests of the optimal-policy formulas: the check that a bad argument is
refused with an error that names its key and the value given (``key(=value) ...``), so
that a planner sees which setting to fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

BadCase = tuple[Callable[[], object], str, str]


def bad_arguments_test(*cases: BadCase) -> Callable[[Callable[[], object], str, str], None]:
    """A test over ``cases`` of ``(call, key, value)``: ``call()`` raises a ValueError
    whose message holds ``key(=value``. A module binds it to a ``test_...`` name, which
    pytest collects with one case per entry (ids as a parametrised test of its own)."""

    @pytest.mark.parametrize(("call", "key", "value"), list(cases))
    def test(call: Callable[[], object], key: str, value: str) -> None:
        with pytest.raises(ValueError) as err:
            call()
        assert f"{key}(={value}" in str(err.value)

    return test
