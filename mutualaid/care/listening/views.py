"""Listening pages. Server-rendered, plain forms that POST and redirect; no JavaScript needed.

A conversation page opens to the member who asked and to the listener who took it, while they
are a listener; the queue and the listener settings only to current listeners. Everyone else
gets a 404, whether the request exists or not.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutualaid.care.listening import selectors, services
from mutualaid.care.listening.forms import (
    AskForm,
    ConsentForm,
    ListenerSettingsForm,
    MessageForm,
    NoteForm,
)
from mutualaid.care.listening.models import ListenRequest
from mutualaid.core.errors import DomainError, NotFound
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import Member


def _member(request: HttpRequest) -> Member:
    return request.member  # type: ignore[attr-defined,no-any-return]


def _listener(request: HttpRequest) -> Member:
    member = _member(request)
    if not selectors.is_listener(member):
        raise Http404
    return member


def _to_conversation(request: HttpRequest, request_id: int) -> HttpResponse:
    return redirect(
        "care_listening:conversation", slug=_member(request).network.slug, request_id=request_id
    )


def _run(request: HttpRequest, action: Callable[[], object], success: str = "") -> bool:
    """Run one service call; a domain error becomes a message on the page. NotFound is a 404."""
    try:
        action()
    except NotFound as err:
        raise Http404 from err
    except DomainError as err:
        messages.error(request, err.message)
        return False
    if success:
        messages.success(request, success)
    return True


def _conversation(request: HttpRequest, request_id: int) -> selectors.Conversation:
    try:
        return selectors.access_conversation(_member(request), request_id)
    except NotFound as err:
        raise Http404 from err


def _home(request: HttpRequest, form: AskForm, status: int = 200) -> HttpResponse:
    member = _member(request)
    context = {
        "form": form,
        "requests": selectors.requests_mine(member=member)[:50],
        "listener": selectors.is_listener(member),
    }
    return render(request, "care_listening/home.html", context, status=status)


@require_GET
@member_page
def home(request: HttpRequest) -> HttpResponse:
    """Ask for a conversation, and my requests."""
    return _home(request, AskForm())


@require_POST
@member_page
def ask(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = AskForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    try:
        created = services.listen_request_create(actor=member, **form.cleaned_data)
    except DomainError as err:
        form.add_error(None, err.message)
        return _home(request, form, status=err.status)
    messages.success(request, _("Your request is waiting for a listener."))
    return _to_conversation(request, created.pk)


@require_GET
@member_page
def queue(request: HttpRequest) -> HttpResponse:
    """Open requests, for current listeners: nothing that says who asked."""
    member = _listener(request)
    own = selectors.listener_settings_of(member=member)
    context = {
        "requests": selectors.queue(member=member)[:100],
        "settings": own,
        "conversations": selectors.conversations_mine(member=member)[:50],
    }
    return render(request, "care_listening/queue.html", context)


@require_POST
@member_page
def take(request: HttpRequest, request_id: int) -> HttpResponse:
    member = _listener(request)
    try:
        found = selectors.access_queue_request(member, request_id)
    except NotFound as err:
        raise Http404 from err
    if _run(request, lambda: services.listen_request_take(actor=member, request=found)):
        return _to_conversation(request, request_id)
    return redirect("care_listening:queue", slug=member.network.slug)


@require_GET
@member_page
def conversation(request: HttpRequest, request_id: int) -> HttpResponse:
    found = _conversation(request, request_id)
    listen_request = found.request
    context = {
        "conversation": found,
        "listener": selectors.is_listener(_member(request)),
        "listen_request": listen_request,
        "requester_name": selectors.requester_shown_as(listen_request),
        "listener_name": selectors.listener_shown_as(listen_request),
        "thread": selectors.messages_of(conversation=found),
        "notes": selectors.notes_of(conversation=found),
        "message_form": MessageForm(),
        "note_form": NoteForm(),
        "is_taken": listen_request.state == ListenRequest.State.TAKEN,
        "is_open": listen_request.state == ListenRequest.State.OPEN,
    }
    return render(request, "care_listening/conversation.html", context)


def _conversation_action(
    request: HttpRequest, request_id: int, act: Callable[[Member, ListenRequest], object]
) -> HttpResponse:
    member = _member(request)
    found = _conversation(request, request_id)
    _run(request, lambda: act(member, found.request))
    return _to_conversation(request, request_id)


@require_POST
@member_page
def message_create(request: HttpRequest, request_id: int) -> HttpResponse:
    body = str(request.POST.get("body", ""))
    return _conversation_action(
        request,
        request_id,
        lambda m, r: services.listen_message_create(actor=m, request=r, body=body),
    )


@require_POST
@member_page
def note_create(request: HttpRequest, request_id: int) -> HttpResponse:
    body = str(request.POST.get("body", ""))
    return _conversation_action(
        request,
        request_id,
        lambda m, r: services.listen_note_create(actor=m, request=r, body=body),
    )


@require_POST
@member_page
def consent(request: HttpRequest, request_id: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    given = bool(form.is_valid() and form.cleaned_data["consent"])
    return _conversation_action(
        request,
        request_id,
        lambda m, r: services.listen_consent_set(actor=m, request=r, consent=given),
    )


@require_POST
@member_page
def share_email(request: HttpRequest, request_id: int) -> HttpResponse:
    return _conversation_action(
        request, request_id, lambda m, r: services.listen_email_share(actor=m, request=r)
    )


@require_POST
@member_page
def close(request: HttpRequest, request_id: int) -> HttpResponse:
    return _conversation_action(
        request, request_id, lambda m, r: services.listen_request_close(actor=m, request=r)
    )


@require_POST
@member_page
def withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    member = _member(request)
    try:
        own = selectors.access_own_request(member, request_id)
    except NotFound as err:
        raise Http404 from err
    _run(
        request,
        lambda: services.listen_request_withdraw(actor=member, request=own),
        _("You withdrew your request."),
    )
    return redirect("care_listening:home", slug=member.network.slug)


@member_page
def listener_settings(request: HttpRequest) -> HttpResponse:
    member = _listener(request)
    own = selectors.listener_settings_of(member=member)
    initial = {"weekly_cap": own.weekly_cap, "languages": own.languages, "available": own.available}
    form = ListenerSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if _run(
                request,
                lambda: services.listener_settings_update(actor=member, **form.cleaned_data),
                _("Your listener settings are saved."),
            ):
                return redirect("care_listening:settings", slug=member.network.slug)
        status = 400
    return render(request, "care_listening/settings.html", {"form": form}, status=status)


@member_page
def debrief(request: HttpRequest) -> HttpResponse:
    """The listeners' debrief circle: current listeners join it directly."""
    member = _listener(request)
    if request.method == "POST":
        try:
            joined = services.debrief_join(actor=member)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            return redirect("care:circle_detail", slug=member.network.slug, circle_id=joined.pk)
    circle = selectors.debrief_circle_of(network=member.network)
    return render(request, "care_listening/debrief.html", {"circle": circle})
