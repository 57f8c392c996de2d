"""The pages that belong to no network: the health check and the not-found page. (The home
page, which lists networks, is `mutualaid.networks.views.home`.)"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def healthz(request: HttpRequest) -> JsonResponse:
    """A trivial endpoint: load balancers poll it, and the web benchmark compares against it."""
    return JsonResponse({"ok": True})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
