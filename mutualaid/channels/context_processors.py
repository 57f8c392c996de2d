"""The bell in every page's header: how many notifications the person has not read."""

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from mutualaid.channels.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """`unread_notifications`: one COUNT, made only when a template shows it (templates call
    callables), at most once per render, and none for visitors."""
    user = getattr(request, "user", None)
    return {"unread_notifications": cache(lambda: unread_count(user))}
