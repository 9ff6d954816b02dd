"""Child processes of the CLI (a rehearsal's worker): stop them in order, never leave one behind."""

from __future__ import annotations

import signal
import subprocess


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 15) -> None:
    """Ask a child to stop with `sig`; kill it if it has not within `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
