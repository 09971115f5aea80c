"""Helpers shared by the integration-test support scripts."""
import os
import threading
import time

BLOCK = bytes(range(256)) * 256  # 64 KiB: every byte value, repeated


def pattern(n: int) -> bytes:
    """The first n bytes of the repeating 0..255 test pattern."""
    full, rest = divmod(n, len(BLOCK))
    return BLOCK * full + BLOCK[:rest]


def iter_pattern(n: int, chunk: int = 65536):
    """Yields the first n bytes of the pattern in pieces of at most `chunk` bytes (chunk <= 64 KiB,
    a divisor of 65536 keeps every piece aligned to the pattern)."""
    chunk = max(1, min(chunk, len(BLOCK)))
    sent = 0
    while sent < n:
        size = min(chunk, n - sent)
        off = sent % len(BLOCK)
        if off + size <= len(BLOCK):
            yield BLOCK[off:off + size]
        else:
            yield (BLOCK[off:] + BLOCK)[:size]
        sent += size


def exit_with_parent() -> None:
    """Exits this process (os._exit) as soon as the process that started it is gone."""
    parent = os.getppid()

    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
