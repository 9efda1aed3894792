"""Waiting, in tests, for what another process does (a worker, a server): poll until true or time is up."""

import time


def wait_for(condition, seconds: float = 30) -> bool:
    """Whether ``condition()`` came true within ``seconds`` (checked every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
