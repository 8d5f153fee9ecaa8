"""Fault injection for ``tests/test_faults_runs.py``, loaded into a ``python -m
experiments.run`` subprocess by putting this folder first on ``PYTHONPATH``.

``STOCKLAB_FAULT="<n>:<when>:<what>"``: at the n-th ``os.replace`` of the process (the
rename that completes a result file, see ``experiments.run._atomic_write``), ``before`` or
``after`` it, do ``kill`` (SIGKILL: no clean-up can run), ``int`` (SIGINT, as Ctrl-C),
``lost`` (SIGINT where Python drops the ``KeyboardInterrupt``: inside a ``__del__``, as
inside numba's disk-cache callback while it compiles), ``exec`` (SIGINT inside a string
``exec``, as inside numba's compiler) or ``enospc`` (raise ``OSError(ENOSPC)``, as a full
disk). ``STOCKLAB_FAULT_LOG=<file>``
appends the destination of every rename to that file, one a line.
"""

import errno
import os
import signal

_spec = os.environ.get("STOCKLAB_FAULT")
_log = os.environ.get("STOCKLAB_FAULT_LOG")

if _spec or _log:
    _n, _when, _what = (_spec or "0:never:none").split(":")
    _n = int(_n)
    _replace = os.replace
    _calls = [0]

    class _Dropped:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100):  # the handler runs here, and its exception is dropped
                pass

    def _fault() -> None:
        if _what == "lost":
            _Dropped()
        elif _what == "exec":
            exec(
                "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nfor _ in range(100): pass",
                {},
            )
        elif _what == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif _what == "int":
            os.kill(os.getpid(), signal.SIGINT)
        elif _what == "enospc":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def replace(src, dst, *args, **kwargs):
        _calls[0] += 1
        if _log:
            with open(_log, "a") as fh:
                fh.write(f"{dst}\n")
        if _calls[0] == _n and _when == "before":
            _fault()
        _replace(src, dst, *args, **kwargs)
        if _calls[0] == _n and _when == "after":
            _fault()

    os.replace = replace
