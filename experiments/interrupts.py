"""A Ctrl-C that Python would drop is kept, and raised at the next checkpoint.

Python raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives. Where
an exception cannot propagate - a ``ctypes`` callback, a ``__del__``, a weakref callback -
it prints "Exception ignored" and drops it, and the run goes on as if no key was pressed.
One such place is on every fresh clone: numba writes a newly compiled kernel to its disk
cache through llvmlite's object-cache callback, so a Ctrl-C during a kernel's first
compilation was lost, and a long run then finished and wrote its results.

:func:`install` puts a ``sys.unraisablehook`` in place that keeps a dropped
``KeyboardInterrupt`` (and says nothing: it is not an error); :func:`check` raises it.
``experiments.run`` checks after the simulation and after each result file's rename, so a
run interrupted this way still exits 130 with no result left. Any other unraisable
exception goes to the hook that was there before.

:func:`exit_interrupted` is how a CLI ends on Ctrl-C: one line and status 130. It works
around a CPython quirk: a ``KeyboardInterrupt`` that ends a string ``exec``/``eval`` (numba
compiles through ``exec`` of generated source, so a Ctrl-C during a first compilation
often lands there) sets a runtime flag that makes ``python -m`` end by SIGINT (status -2)
whatever ``sys.exit`` said, even after the exception was caught. Every string evaluation
clears the flag as it starts, so an empty one clears it.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

_pending = False
_previous: Any = None


def _hook(unraisable: Any) -> None:
    global _pending
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        _pending = True
        return
    _previous(unraisable)


def install() -> None:
    """Keep dropped Ctrl-Cs from now on (once per process; the CLI's jobs call it)."""
    global _previous
    if sys.unraisablehook is not _hook:
        _previous = sys.unraisablehook
        sys.unraisablehook = _hook


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C was dropped since the last check."""
    global _pending
    if _pending:
        _pending = False
        raise KeyboardInterrupt


def exit_interrupted() -> NoReturn:
    """Say ``stocklab: interrupted`` and exit 130 (see the module docstring)."""
    print("stocklab: interrupted", file=sys.stderr)
    exec("", {})  # clears CPython's "ended by an unhandled KeyboardInterrupt" flag
    sys.exit(130)
