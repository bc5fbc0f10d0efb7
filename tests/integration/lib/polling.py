"""Bounded waiting for something the daemon does in the background (a queue run, a delivery)."""
import time


def wait_for(predicate, timeout=15.0, interval=0.05):
    """Calls `predicate` every `interval` seconds until it returns something true (returned) or
    `timeout` seconds have passed (then its last value is returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
