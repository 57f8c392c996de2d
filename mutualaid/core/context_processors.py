from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest


@cache
def _htmx_available() -> bool:
    # htmx is installed by `make` from npm into a git-ignored folder; pages work without it.
    return bool(finders.find("vendor/htmx.min.js"))


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_url": settings.SITE_URL,
        "member": getattr(request, "member", None),
        "htmx_available": _htmx_available(),
    }
