from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from mutualaid.networks.selectors import memberships_of, networks_public


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in members go to their network; everyone else sees the networks here."""
    if request.user.is_authenticated:
        memberships = list(memberships_of(request.user))
        if len(memberships) == 1:
            return redirect("networks:dashboard", slug=memberships[0].network.slug)
        networks = [] if memberships else networks_public()  # someone new may apply to one
        return render(request, "core/home.html", {"memberships": memberships, "networks": networks})
    return render(request, "core/home.html", {"memberships": [], "networks": networks_public()})


def healthz(request: HttpRequest) -> JsonResponse:
    """A trivial endpoint: load balancers poll it, and the web benchmark compares against it."""
    return JsonResponse({"ok": True})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
