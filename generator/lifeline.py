"""Worker processes that end when the process that started them ends, even by `kill -9`.

A pool's workers wait for work from their parent; when the parent is killed outright,
nothing tells them to stop, and they would wait (or build) for ever. Two mechanisms, since
only Linux has the first: the kernel sends the worker SIGKILL when its parent exits
(prctl PR_SET_PDEATHSIG), and a thread in the worker ends it when its parent process id
changes (an orphan is adopted by another process), which works on every POSIX system.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1      # from <linux/prctl.h>
POLL_SECONDS = 0.25       # how soon the watching thread notices; the kernel is immediate


def die_with_parent(parent_pid: int) -> None:
    """Call in the worker, with the process id of the parent it must not outlive."""
    _ask_the_kernel()
    if os.getppid() != parent_pid:   # the parent was gone before the kernel was asked
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="policygen-lifeline", daemon=True).start()


def _ask_the_kernel() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    os._exit(1)   # from a thread: ends the whole process at once, with no clean-up that could hang
