"""Page decorators that resolve the network in the URL and the member asking."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from mutualaid.core.zones import zone_of
from mutualaid.networks.requests import NetworkRequest
from mutualaid.networks.selectors import member_of, network_by_slug

View = Callable[..., HttpResponse]


def network_page(view: View) -> View:
    """Set request.network and request.member (None for visitors and non-members)."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        page = cast(NetworkRequest, request)
        page.network = network_by_slug(slug)
        page.member = member_of(request.user, page.network)
        return view(request, *args, **kwargs)

    return wrapper


def member_page(view: View) -> View:
    """Like network_page, but only for members: visitors sign in, non-members see the
    network's public page."""

    @wraps(view)
    @network_page
    def wrapper(request: NetworkRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.member is None:
            return redirect("networks:public", slug=request.network.slug)
        return view(request, *args, **kwargs)

    return wrapper


def network_time(view: View) -> View:
    """Read and show times in the network's zone: a datetime-local "14:00" means 14:00 there."""

    @wraps(view)
    def wrapper(request: NetworkRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(zone_of(request.network)):
            return view(request, *args, **kwargs)

    return wrapper
