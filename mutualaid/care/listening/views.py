"""Listening pages. Server-rendered, plain forms that POST and redirect; no JavaScript needed.

A conversation page opens to the member who asked and to the listener who took it, while they
are a listener; the queue and the listener settings only to current listeners. Everyone else
gets a 404, whether the request exists or not (a NotFound is shown as the same 404 page).
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
from mutualaid.core.errors import DomainError
from mutualaid.core.pages import form_action, page_action
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import Member
from mutualaid.networks.requests import MemberRequest


def _listener(request: MemberRequest) -> Member:
    if not selectors.is_listener(request.member):
        raise Http404
    return request.member


def _conversation_url(request: MemberRequest, request_id: int) -> str:
    return reverse(
        "care_listening:conversation",
        kwargs={"slug": request.network.slug, "request_id": request_id},
    )


def _home(request: MemberRequest, form: AskForm, status: int = 200) -> HttpResponse:
    member = request.member
    context = {
        "form": form,
        "requests": selectors.requests_mine(member=member)[:50],
        "listener": selectors.is_listener(member),
    }
    return render(request, "care_listening/home.html", context, status=status)


@require_GET
@member_page
def home(request: MemberRequest) -> HttpResponse:
    """Ask for a conversation, and my requests."""
    return _home(request, AskForm())


@require_POST
@member_page
def ask(request: MemberRequest) -> HttpResponse:
    form = AskForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    outcome = form_action(
        form, lambda: services.listen_request_create(actor=request.member, **form.cleaned_data)
    )
    if outcome.value is None:
        return _home(request, form, status=outcome.status)
    messages.success(request, _("Your request is waiting for a listener."))
    return redirect(_conversation_url(request, outcome.value.pk))


@require_GET
@member_page
def queue(request: MemberRequest) -> HttpResponse:
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
def take(request: MemberRequest, request_id: int) -> HttpResponse:
    member = _listener(request)
    found = selectors.access_queue_request(member, request_id)
    # Two ways on (into the conversation, or back to the queue with the reason), which
    # page_action's one destination cannot say.
    try:
        services.listen_request_take(actor=member, request=found)
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("care_listening:queue", slug=request.network.slug)
    return redirect(_conversation_url(request, request_id))


@require_GET
@member_page
def conversation(request: MemberRequest, request_id: int) -> HttpResponse:
    found = selectors.access_conversation(request.member, request_id)
    listen_request = found.request
    context = {
        "conversation": found,
        "listener": selectors.is_listener(request.member),
        "actions": selectors.listen_request_actions(request.member, listen_request),
        "listen_request": listen_request,
        "requester_name": selectors.requester_shown_as(listen_request),
        "listener_name": selectors.listener_shown_as(listen_request),
        "thread": selectors.messages_of(conversation=found),
        "notes": selectors.notes_of(conversation=found),
        "message_form": MessageForm(),
        "note_form": NoteForm(),
    }
    return render(request, "care_listening/conversation.html", context)


def _in_conversation(
    request: MemberRequest, request_id: int, step: Callable[[ListenRequest], object]
) -> HttpResponse:
    """Run one service on a conversation the member is part of, and go back to it."""
    found = selectors.access_conversation(request.member, request_id)
    return page_action(
        request, lambda: step(found.request), then=_conversation_url(request, request_id)
    )


@require_POST
@member_page
def message_create(request: MemberRequest, request_id: int) -> HttpResponse:
    body = str(request.POST.get("body", ""))
    return _in_conversation(
        request,
        request_id,
        lambda r: services.listen_message_create(actor=request.member, request=r, body=body),
    )


@require_POST
@member_page
def note_create(request: MemberRequest, request_id: int) -> HttpResponse:
    body = str(request.POST.get("body", ""))
    return _in_conversation(
        request,
        request_id,
        lambda r: services.listen_note_create(actor=request.member, request=r, body=body),
    )


@require_POST
@member_page
def consent(request: MemberRequest, request_id: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    given = bool(form.is_valid() and form.cleaned_data["consent"])
    return _in_conversation(
        request,
        request_id,
        lambda r: services.listen_consent_set(actor=request.member, request=r, consent=given),
    )


@require_POST
@member_page
def share_email(request: MemberRequest, request_id: int) -> HttpResponse:
    return _in_conversation(
        request,
        request_id,
        lambda r: services.listen_email_share(actor=request.member, request=r),
    )


@require_POST
@member_page
def close(request: MemberRequest, request_id: int) -> HttpResponse:
    return _in_conversation(
        request,
        request_id,
        lambda r: services.listen_request_close(actor=request.member, request=r),
    )


@require_POST
@member_page
def withdraw(request: MemberRequest, request_id: int) -> HttpResponse:
    own = selectors.access_own_request(request.member, request_id)
    return page_action(
        request,
        lambda: services.listen_request_withdraw(actor=request.member, request=own),
        then=reverse("care_listening:home", kwargs={"slug": request.network.slug}),
        done=_("You withdrew your request."),
    )


@member_page
def listener_settings(request: MemberRequest) -> HttpResponse:
    member = _listener(request)
    own = selectors.listener_settings_of(member=member)
    initial = {"weekly_cap": own.weekly_cap, "languages": own.languages, "available": own.available}
    form = ListenerSettingsForm(request.POST or None, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form, lambda: services.listener_settings_update(actor=member, **form.cleaned_data)
        )
        if outcome.ok:
            messages.success(request, _("Your listener settings are saved."))
            return redirect("care_listening:settings", slug=request.network.slug)
        status = outcome.status
    return render(request, "care_listening/settings.html", {"form": form}, status=status)


@member_page
def debrief(request: MemberRequest) -> HttpResponse:
    """The listeners' debrief circle: current listeners join it directly."""
    member = _listener(request)
    if request.method == "POST":
        # Into the circle, or this page again with the reason: two ways on, as for `take`.
        try:
            joined = services.debrief_join(actor=member)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            return redirect("care:circle_detail", slug=request.network.slug, circle_id=joined.pk)
    circle = selectors.debrief_circle_of(network=member.network)
    return render(request, "care_listening/debrief.html", {"circle": circle})
