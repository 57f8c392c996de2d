"""The conversation page of a match: its two sides read and write here; anyone else gets the
same 404 as for a match that does not exist. Works as plain form posts; with htmx, posting
swaps the conversation in place."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mutualaid.core.pages import form_action
from mutualaid.networks.decorators import member_page, network_time
from mutualaid.networks.requests import MemberRequest
from mutualaid.relay.forms import MessageForm, ReportForm
from mutualaid.relay.models import RelayThread
from mutualaid.relay.selectors import (
    access_conversation,
    access_relay_message,
    conversation_actions,
    message_actions,
    messages_of,
    other_party,
)
from mutualaid.relay.services import relay_post, relay_report


def _wants_partial(request: MemberRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _url(request: MemberRequest, thread: RelayThread) -> str:
    return reverse(
        "relay:conversation", kwargs={"slug": request.network.slug, "match_id": thread.match_id}
    )


def _render(
    request: MemberRequest, thread: RelayThread, form: MessageForm, status: int = 200
) -> HttpResponse:
    member = request.member
    rows = [(m, message_actions(member, m)) for m in messages_of(thread)]
    context: dict[str, Any] = {
        "thread": thread,
        "match": thread.match,
        "other": other_party(member, thread),
        "rows": rows,
        "actions": conversation_actions(member, thread),
        "form": form,
        "report_form": ReportForm(),
        "url": _url(request, thread),
    }
    partial = _wants_partial(request) and request.method == "POST"
    template = "relay/_conversation.html" if partial else "relay/conversation.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@member_page
@network_time
def conversation(request: MemberRequest, match_id: int) -> HttpResponse:
    """GET: the messages and, while the match is open, the form; POST: write a message."""
    thread = access_conversation(request.member, match_id)
    if request.method != "POST":
        return _render(request, thread, MessageForm())
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _render(request, thread, form, status=400)
    outcome = form_action(
        form,
        lambda: relay_post(member=request.member, thread=thread, text=form.cleaned_data["text"]),
    )
    if not outcome.ok:
        thread.refresh_from_db()
        return _render(request, thread, form, status=outcome.status)
    if _wants_partial(request):
        return _render(request, thread, MessageForm())
    messages.success(request, _("Your message was passed on."))
    return redirect(_url(request, thread))


@require_POST
@member_page
def message_report(request: MemberRequest, message_id: int) -> HttpResponse:
    """Report a message written to the member; it goes to the network as a concern."""
    message = access_relay_message(request.member, message_id)
    back = _url(request, message.thread)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say what is wrong with the message."))
        return redirect(back)
    outcome = form_action(
        form,
        lambda: relay_report(
            member=request.member, message=message, reason=form.cleaned_data["reason"]
        ),
    )
    if outcome.ok:
        messages.success(
            request, _("Thank you. The network's facilitators will look at your report.")
        )
    else:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return redirect(back)
