"""Huey's periodic task decorator, typed (huey ships no type hints): each app's `tasks.py`
declares its schedules with `@periodic(crontab(...))`."""

from collections.abc import Callable
from typing import Protocol, TypeVar, cast

from huey.contrib.djhuey import db_periodic_task

R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")


class Scheduled(Protocol[R_co]):
    """A scheduled function as Huey wraps it; `call_local()` runs it now, in this process."""

    def call_local(self) -> R_co: ...


def periodic(schedule: Callable[..., bool]) -> Callable[[Callable[[], R]], Scheduled[R]]:
    """`db_periodic_task(schedule)`: run the function on `schedule`, with a database
    connection that is closed afterwards."""
    return cast(Callable[[Callable[[], R]], Scheduled[R]], db_periodic_task(schedule))
