"""A Ctrl-C that Python drops (raised in a ``__del__``, a ``ctypes`` callback) is kept by
:mod:`experiments.interrupts` and stops a run before it writes anything."""

import sys

import pytest

from experiments import interrupts
from experiments import run as run_module
from tests.conftest import TINY


class _Dropped:
    """Raises in ``__del__``, where Python prints "Exception ignored" and goes on."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __del__(self) -> None:
        raise self.exc


@pytest.fixture
def hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_type))
    monkeypatch.setattr(interrupts, "_pending", False)
    interrupts.install()
    return seen


def test_a_dropped_ctrl_c_is_raised_at_the_next_check_once(hook):
    interrupts.check()  # nothing dropped: nothing raised
    _Dropped(KeyboardInterrupt())
    assert hook == []  # kept, not reported as an error
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()
    interrupts.check()  # raised once


def test_other_dropped_exceptions_go_to_the_previous_hook(hook):
    _Dropped(ValueError("x"))
    assert hook == [ValueError]
    interrupts.check()
    interrupts.install()  # a second install keeps the chain as it is
    _Dropped(RuntimeError("y"))
    assert hook == [ValueError, RuntimeError]


def test_a_ctrl_c_dropped_while_simulating_stops_the_run_before_any_file(
    hook, monkeypatch, compose_cfg, tmp_path
):
    simulate = run_module.simulate_config

    def simulate_and_drop(*args, **kwargs):
        out = simulate(*args, **kwargs)
        _Dropped(KeyboardInterrupt())  # as numba's cache callback during a first compile
        return out

    monkeypatch.setattr(run_module, "simulate_config", simulate_and_drop)
    with pytest.raises(KeyboardInterrupt):
        run_module.run(compose_cfg(TINY), out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
