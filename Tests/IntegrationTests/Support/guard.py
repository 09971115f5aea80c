#!/usr/bin/env python3
"""Run a command as a child and make sure it dies with us.

Usage: guard.py CMD [ARGS...]

- The child gets PR_SET_PDEATHSIG=SIGKILL (its parent is this single-threaded guard), so if the
  guard is killed the child is killed too.
- The guard polls its own parent; when the test process that started it is gone, it kills the child.
- SIGTERM/SIGINT to the guard are forwarded to the child; the child gets 3 s to exit, then SIGKILL.
- The guard exits with the child's exit status (128+signal when killed by a signal).
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: guard.py CMD [ARGS...]", file=sys.stderr)
        return 64
    # The test process may run with signals blocked (it is multi-threaded); a blocked SIGTERM is
    # inherited through fork and exec. Start from a clean signal state.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    parent = os.getppid()
    child = os.fork()
    if child == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)  # Python ignores SIGPIPE; exec keeps SIG_IGN
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except OSError:
            pass
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        except OSError as e:
            print(f"guard: cannot exec {sys.argv[1]}: {e}", file=sys.stderr)
            os._exit(127)

    stop_requested = {"at": None}

    def forward(signum, _frame):
        if stop_requested["at"] is None:
            stop_requested["at"] = time.monotonic()
        try:
            os.kill(child, signal.SIGTERM)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)

    while True:
        try:
            pid, status = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid == child:
            if os.WIFEXITED(status):
                return os.WEXITSTATUS(status)
            if os.WIFSIGNALED(status):
                return 128 + os.WTERMSIG(status)
            return 1
        if os.getppid() != parent and stop_requested["at"] is None:
            forward(signal.SIGTERM, None)
        at = stop_requested["at"]
        if at is not None and time.monotonic() - at > 3.0:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
