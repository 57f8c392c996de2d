"""Huey's decorators, typed (huey ships no type hints): each app's `tasks.py` declares its
schedules with `@periodic(crontab(...))`; background work is `@queued(retries=...)`."""

from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")
P = ParamSpec("P")


class Scheduled(Protocol[R_co]):
    """A scheduled function as Huey wraps it; `call_local()` runs it now, in this process."""

    def call_local(self) -> R_co: ...


def periodic(schedule: Callable[..., bool]) -> Callable[[Callable[[], R]], Scheduled[R]]:
    """`db_periodic_task(schedule)`: run the function on `schedule`, with a database
    connection that is closed afterwards."""
    return cast(Callable[[Callable[[], R]], Scheduled[R]], db_periodic_task(schedule))


class Queued(Protocol[P, R_co]):
    """A background function as Huey wraps it: calling it queues it (and returns Huey's
    result handle); `call_local(...)` runs it now, in this process."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any: ...
    def call_local(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def queued(*, retries: int = 0, retry_delay: int = 0) -> Callable[[Callable[P, R]], Queued[P, R]]:
    """`db_task(...)`: run the function in a worker when called, retrying a failure
    `retries` times `retry_delay` seconds apart."""
    return cast(
        Callable[[Callable[P, R]], Queued[P, R]],
        db_task(retries=retries, retry_delay=retry_delay),
    )


def at_worker_start(function: Callable[[], None]) -> Callable[[], None]:
    """Run the function each time a worker process starts (Huey's `on_startup`)."""
    return cast(Callable[[], None], on_startup()(function))
