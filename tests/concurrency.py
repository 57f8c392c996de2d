"""Race tests: run calls at the same moment on separate database connections. (The
`database` fixture in conftest.py runs a race once per engine.)"""

import threading
from collections.abc import Callable

from django.db import connection


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call at the same moment, each in its own thread and connection.

    Returns, in order, what each call returned or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so the calls start together
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing call never finished"
    return outcomes
