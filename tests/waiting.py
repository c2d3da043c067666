"""Waiting on something a test cannot be told about, with a deadline that
fails loudly (never a bare sleep)."""

import time
from typing import Callable


def wait_for(condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)
