"""Circle pages. Server-rendered, no JavaScript needed.

Only an active membership opens what is inside a circle. Everyone else in the network sees its
name and purpose and may ask to join; an organiser who is not in the circle is no different.
Posts are shown under their pseudonym, never beside a member's name. A missing or forbidden
circle, post or membership is a NotFound, which every page shows as the same 404.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from mutualaid.care import selectors, services
from mutualaid.care.forms import (
    AgreementForm,
    CircleForm,
    CircleSettingsForm,
    InviteForm,
    PostForm,
    ReactionForm,
    ReasonForm,
    ReplyForm,
    WillingForm,
)
from mutualaid.care.models import CircleMembership, Post, Reaction
from mutualaid.core.pages import form_action, page_action
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.models import Member
from mutualaid.networks.requests import MemberRequest, NetworkRequest


def _circle_url(request: MemberRequest, circle_id: int) -> str:
    return reverse(
        "care:circle_detail", kwargs={"slug": request.network.slug, "circle_id": circle_id}
    )


def _on_circle(
    request: MemberRequest,
    circle_id: int,
    action: Callable[[], object],
    done: str | Promise | None = None,
) -> HttpResponse:
    """Run one service for a button on the circle's page, and go back to it."""
    return page_action(request, action, then=_circle_url(request, circle_id), done=done)


@require_GET
@member_page
def circle_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    mine = {
        m.circle_id: m
        for m in CircleMembership.objects.filter(member=member).only("circle_id", "state")
    }
    circles = [(c, mine.get(c.pk)) for c in selectors.circles_visible(member=member)]
    return render(request, "care/circle_list.html", {"circles": circles})


@member_page
def circle_create(request: MemberRequest) -> HttpResponse:
    form = CircleForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form, lambda: services.circle_create(actor=request.member, **form.cleaned_data)
        )
        if outcome.value is not None:
            return redirect(_circle_url(request, outcome.value.pk))
        status = outcome.status
    return render(request, "care/circle_form.html", {"form": form}, status=status)


@require_GET
@member_page
def circle_detail(request: MemberRequest, circle_id: int) -> HttpResponse:
    member = request.member
    circle = selectors.access_circle(member, circle_id)
    own = selectors.membership_of(member=member, circle=circle)
    context: dict[str, object] = {
        "circle": circle,
        "own": own,
        "crisis": selectors.crisis_resources(network=circle.network),
        "actions": selectors.circle_actions(member, circle),
    }
    if own is None or own.state != CircleMembership.State.ACTIVE:
        return render(request, "care/circle_outside.html", context)
    agreement = selectors.agreement_current(circle=circle)
    query = request.GET.get("q", "")[:200]
    context |= {
        "agreement": agreement,
        "threads": selectors.threads_searched(membership=own, query=query)[:100],
        "query": query,
        "roster": selectors.circle_roster(circle=circle),
        "small_circle": selectors.circle_is_small(circle=circle),
        "pending": selectors.pending_memberships(membership=own),
        "paused": selectors.paused_memberships(membership=own),
        "flags": selectors.open_flags(membership=own),
        "invite_form": InviteForm(members=selectors.invitable_members(circle=circle)),
        "post_form": PostForm(),
        "reactions": Reaction.Kind.choices,
    }
    return render(request, "care/circle_detail.html", context)


@require_GET
@member_page
def circle_log(request: MemberRequest, circle_id: int) -> HttpResponse:
    own = selectors.access_membership(request.member, circle_id)
    entries = selectors.circle_log(circle=own.circle)[:200]
    return render(request, "care/circle_log.html", {"circle": own.circle, "entries": entries})


@require_POST
@member_page
def circle_join(request: MemberRequest, circle_id: int) -> HttpResponse:
    circle = selectors.access_circle(request.member, circle_id)
    return _on_circle(
        request,
        circle_id,
        lambda: services.membership_request(actor=request.member, circle=circle),
        _("You asked to join. A facilitator will answer."),
    )


@require_POST
@member_page
def agreement_accept(request: MemberRequest, circle_id: int) -> HttpResponse:
    own = selectors.access_membership(request.member, circle_id)
    form = AgreementForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else 0
    return _on_circle(
        request,
        circle_id,
        lambda: services.agreement_accept(actor=request.member, circle=own.circle, version=version),
    )


@require_POST
@member_page
def post_create(request: MemberRequest, circle_id: int) -> HttpResponse:
    own = selectors.access_membership(request.member, circle_id)
    form = PostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write something to share."))
        return redirect(_circle_url(request, circle_id))
    return _on_circle(
        request,
        circle_id,
        lambda: services.post_create(actor=request.member, circle=own.circle, **form.cleaned_data),
    )


PostStep = Callable[[Member, Post, dict[str, Any]], object]


def _post_action(
    request: MemberRequest,
    circle_id: int,
    post_id: int,
    form_class: type[forms.Form],
    step: PostStep,
    done: str | Promise | None = None,
) -> HttpResponse:
    own = selectors.access_membership(request.member, circle_id)
    post = selectors.access_post(own, post_id)
    post.circle = own.circle
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check what you entered."))
        return redirect(_circle_url(request, circle_id))
    return _on_circle(
        request, circle_id, lambda: step(request.member, post, form.cleaned_data), done
    )


@require_POST
@member_page
def post_reply(request: MemberRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReplyForm,
        lambda m, p, d: services.reply_create(actor=m, post=p, **d),
    )


@require_POST
@member_page
def post_react(request: MemberRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReactionForm,
        lambda m, p, d: services.reaction_toggle(actor=m, post=p, kind=d["kind"]),
    )


@require_POST
@member_page
def post_flag(request: MemberRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReasonForm,
        lambda m, p, d: services.post_flag(actor=m, post=p, reason=d["reason"]),
        _("Thank you. The circle's facilitators will look at it."),
    )


@require_POST
@member_page
def post_hide(request: MemberRequest, circle_id: int, post_id: int) -> HttpResponse:
    return _post_action(
        request,
        circle_id,
        post_id,
        ReasonForm,
        lambda m, p, d: services.post_hide(actor=m, post=p, reason=d["reason"]),
    )


MembershipStep = Callable[[Member, CircleMembership, str], object]

MEMBERSHIP_STEPS: dict[str, tuple[MembershipStep, Promise]] = {
    "accept": (
        lambda m, ms, reason: services.membership_accept(actor=m, membership=ms),
        _lazy("Welcomed. They accept the agreement before they post."),
    ),
    "pause": (
        lambda m, ms, reason: services.membership_pause(actor=m, membership=ms, reason=reason),
        _lazy("Paused. The circle log shows the reason, without a name."),
    ),
    "resume": (
        lambda m, ms, reason: services.membership_resume(actor=m, membership=ms),
        _lazy("Welcomed back."),
    ),
    "remove": (
        lambda m, ms, reason: services.membership_remove(actor=m, membership=ms, reason=reason),
        _lazy("Removed. The circle log shows the reason, without a name."),
    ),
}


@require_POST
@member_page
def membership_step(
    request: MemberRequest, circle_id: int, membership_id: int, action: str
) -> HttpResponse:
    """A facilitator welcomes, pauses, welcomes back or removes a member (services check)."""
    own = selectors.access_membership(request.member, circle_id)
    if action not in MEMBERSHIP_STEPS:
        raise Http404
    step, done = MEMBERSHIP_STEPS[action]
    target = selectors.access_circle_membership(own, membership_id)
    reason = str(request.POST.get("reason", ""))[:500]
    return _on_circle(request, circle_id, lambda: step(request.member, target, reason), done)


@require_POST
@member_page
def circle_invite(request: MemberRequest, circle_id: int) -> HttpResponse:
    """A member of the circle invites someone from the network; a facilitator welcomes them."""
    own = selectors.access_membership(request.member, circle_id)
    form = InviteForm(request.POST, members=selectors.invitable_members(circle=own.circle))
    if not form.is_valid():
        messages.error(request, _("Choose someone from the list to invite."))
        return redirect(_circle_url(request, circle_id))
    invited = form.cleaned_data["member"]
    return _on_circle(
        request,
        circle_id,
        lambda: services.membership_invite(actor=request.member, circle=own.circle, member=invited),
        _("Invited. A facilitator will welcome them."),
    )


@require_POST
@member_page
def membership_willing(request: MemberRequest, circle_id: int) -> HttpResponse:
    """Whether I am willing to take the facilitator role when it is handed on."""
    own = selectors.access_membership(request.member, circle_id)
    form = WillingForm(request.POST)
    if not form.is_valid():
        raise Http404
    willing: bool = form.cleaned_data["willing"]
    return _on_circle(
        request,
        circle_id,
        lambda: services.membership_set_willing(
            actor=request.member, circle=own.circle, willing=willing
        ),
        _("Thank you. The role may come to you when it rotates.")
        if willing
        else _("Noted. The role will not be handed to you."),
    )


@require_POST
@member_page
def circle_leave(request: MemberRequest, circle_id: int) -> HttpResponse:
    """Leave the circle, withdraw a request or decline an invitation. Posts stay under the
    pseudonym until they expire."""
    own = selectors.access_own_membership(request.member, circle_id)
    was_active = own.state == CircleMembership.State.ACTIVE
    return page_action(
        request,
        lambda: services.membership_remove(actor=request.member, membership=own),
        then=reverse("care:circle_list", kwargs={"slug": request.network.slug}),
        done=_("You left the circle. Take care.")
        if was_active
        else _("Done. You are not joining this circle."),
    )


@member_page
def circle_settings(request: MemberRequest, circle_id: int) -> HttpResponse:
    """A facilitator changes the circle's name, purpose, retention and rotation."""
    own = selectors.access_membership(request.member, circle_id)
    if "update" not in selectors.circle_actions(request.member, own.circle):
        raise Http404
    circle = own.circle
    initial = {
        "name": circle.name,
        "description": circle.description,
        "retention_days": circle.retention_days,
        "rotation_days": circle.rotation_days,
    }
    form = CircleSettingsForm(request.POST or None, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: services.circle_update(
                actor=request.member, circle=circle, **form.cleaned_data
            ),
        )
        if outcome.ok:
            messages.success(request, _("The circle's settings are saved."))
            return redirect(_circle_url(request, circle_id))
        status = outcome.status
    context = {"form": form, "circle": circle}
    return render(request, "care/circle_settings.html", context, status=status)


@require_POST
@member_page
def agreement_revise(request: MemberRequest, circle_id: int) -> HttpResponse:
    """A facilitator writes a new version of the agreement; everyone accepts it again."""
    own = selectors.access_membership(request.member, circle_id)
    text = str(request.POST.get("text", ""))
    return _on_circle(
        request,
        circle_id,
        lambda: services.agreement_revise(actor=request.member, circle=own.circle, text=text),
    )


@require_GET
@network_page
def crisis(request: NetworkRequest) -> HttpResponse:
    """The network's crisis lines: open to everyone, signed in or not."""
    network = request.network
    resources = selectors.crisis_resources(network=network)
    return render(request, "care/crisis.html", {"resources": resources, "network": network})


@require_GET
def crisis_general(request: HttpRequest) -> HttpResponse:
    """When no network is known: general advice to call local emergency services."""
    return render(request, "care/crisis.html", {"resources": [], "network": None})
