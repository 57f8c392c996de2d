import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mutualaid.core.errors import DomainError
from mutualaid.membership.services import member_mark_active
from mutualaid.networks.models import Member

log = logging.getLogger(__name__)


class DomainErrorMiddleware:
    """A DomainError that a page did not handle itself becomes a readable 4xx page.

    (The API has its own handler with a JSON body.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
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


class MemberActivityMiddleware:
    """Counts a page or API request by a member as activity (see
    `mutualaid.membership.services.member_mark_active`). Pages set `request.member`, the API
    `request.auth`; the service writes at most once a day per member, so most requests cost
    no query at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for member in (getattr(request, "member", None), getattr(request, "auth", None)):
            if isinstance(member, Member) and response.status_code < 500:
                try:
                    member_mark_active(member=member)
                except DatabaseError:
                    # Best effort: a busy database must not turn a served page into an error;
                    # the next request records the activity.
                    log.warning("could not record activity of member %s", member.pk)
                break
        return response
