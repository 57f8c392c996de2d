"""Side effects that wait for the write that caused them."""

from collections.abc import Callable
from functools import partial

from django.db import transaction


def after_commit(task: Callable[..., object], *args: object) -> None:
    """Run `task(*args)` once the current transaction commits, never for one that rolls back."""
    transaction.on_commit(partial(task, *args))
