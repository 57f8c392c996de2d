from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mutualaid.core.errors import DomainError


class DomainErrorMiddleware:
    """A DomainError that a page did not handle itself becomes a readable 4xx page.

    (The API has its own handler with a JSON body.)"""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        template = "404.html" if exception.status == 404 else "core/error.html"
        return render(
            request, template, {"error_message": exception.message}, status=exception.status
        )
