"""A worker ends when its parent is killed with SIGKILL, by each mechanism on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

# A parent that forks one worker and waits; the worker prints its pid once it is set up,
# then would sleep for a minute.
PARENT = """
import os, sys, time
from generator import lifeline
if sys.argv[1] == "watch-only":
    lifeline._ask_the_kernel = lambda: False
elif sys.argv[1] == "kernel-only":
    lifeline._watch = lambda parent_pid: None
parent = os.getpid()
if os.fork() == 0:
    if sys.argv[1] != "none":
        lifeline.die_with_parent(parent)
    print(os.getpid(), flush=True)
    time.sleep(60)
    os._exit(0)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped (it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
@pytest.mark.parametrize("mechanism", ["both", "watch-only", "kernel-only", "none"])
def test_the_worker_dies_when_its_parent_is_killed(mechanism):
    if mechanism == "kernel-only" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen([sys.executable, "-c", PARENT, mechanism], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        if mechanism == "none":   # the control: an ordinary child outlives its parent
            assert not wait_until_gone(child, 1)
        else:
            assert wait_until_gone(child, 3), f"worker {child} outlived its parent ({mechanism})"
    finally:
        parent.kill()
        parent.stdout.close()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)
