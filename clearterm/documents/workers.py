"""Worker processes that never outlive the process that started them.

A pool worker renders and signs documents with names and addresses in memory; if the
parent is killed (``kill -9``, the SSH session drops) a worker must not go on for minutes.

On Linux each worker asks the kernel for ``SIGKILL`` when its parent dies
(``prctl(PR_SET_PDEATHSIG)`` through :mod:`ctypes`): the kernel delivers it at once, even to a
worker busy inside a C call (RSA signing, zlib), with no thread or polling of our own. Then the
worker checks that the parent it was started for is still its parent (the parent may have died
between the fork and the ``prctl``). Elsewhere a daemon thread polls ``os.getppid()`` once a second
and ends the worker when the parent is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _pdeathsig() -> bool:
    """Ask for SIGKILL when the parent dies (Linux); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(1.0)


def die_with_parent(parent_pid: int) -> None:
    """Call first in a pool initializer, with ``os.getpid()`` of the parent (passed in initargs)."""
    armed = _pdeathsig()
    if os.getppid() != parent_pid:  # the parent died before the prctl took effect
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="clearterm-parent-watch").start()
