"""Care team pages. Server-rendered plain forms (POST, then redirect); no JavaScript needed.

Only an active member of a team sees its calendar and details. An invited member, and a
recipient asked to accept a team set up around them, see its name and purpose and answer.
Anyone else, organisers included, gets a 404 alike for missing and forbidden teams. Times are
read and shown in the network's zone.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mutualaid.care.teams import selectors, services
from mutualaid.care.teams.forms import ClosesOnForm, InviteForm, ShareForm, SlotForm, TeamForm
from mutualaid.care.teams.models import SHARED_DETAILS, CareTeam, Slot, TeamMembership
from mutualaid.core.pages import form_action, page_action
from mutualaid.networks.decorators import member_page, network_time
from mutualaid.networks.models import Member
from mutualaid.networks.requests import MemberRequest


def _team_url(request: MemberRequest, team_id: int) -> str:
    return reverse(
        "care_teams:team_detail", kwargs={"slug": request.network.slug, "team_id": team_id}
    )


def _list_url(request: MemberRequest) -> str:
    return reverse("care_teams:team_list", kwargs={"slug": request.network.slug})


def _on_team(
    request: MemberRequest,
    team_id: int,
    action: Callable[[], object],
    done: str | Promise | None = None,
) -> HttpResponse:
    """Run one service for a button on the team's page, and go back to it."""
    return page_action(request, action, then=_team_url(request, team_id), done=done)


DETAIL_LABELS = {
    "dietary_needs": gettext_lazy("Dietary needs"),
    "address": gettext_lazy("Address"),
    "door_code": gettext_lazy("Door code"),
    "notes": gettext_lazy("Other notes"),
}


def _labelled(details: dict[str, str]) -> list[tuple[str, str]]:
    return [(str(DETAIL_LABELS[name]), details[name]) for name in SHARED_DETAILS if name in details]


@require_GET
@member_page
def team_list(request: MemberRequest) -> HttpResponse:
    seats = selectors.seats_of(member=request.member)
    return render(request, "care_teams/team_list.html", {"seats": seats})


@member_page
@network_time
def team_create(request: MemberRequest) -> HttpResponse:
    member = request.member
    others = Member.objects.filter(network=member.network).exclude(pk=member.pk)
    form = TeamForm(request.POST or None, members=others.order_by("display_name", "pk"))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = {
            TeamForm.ME: member,
            TeamForm.MEMBER: data.get("recipient"),
            TeamForm.NO_ACCOUNT: None,
        }[data["for_whom"]]
        outcome = form_action(
            form,
            lambda: services.team_create(
                actor=member,
                name=data["name"],
                purpose=data["purpose"],
                recipient=recipient,
                closes_on=data["closes_on"],
            ),
        )
        team = outcome.value
        if team is not None:
            if team.state == CareTeam.State.PROPOSED:
                messages.success(request, _("The team waits for the person at its centre."))
            return redirect(_team_url(request, team.pk))
        status = outcome.status
    return render(request, "care_teams/team_form.html", {"form": form}, status=status)


@require_GET
@member_page
@network_time
def team_detail(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.seat(request.member, team_id)
    actions = selectors.team_actions(request.member, place.team)
    context: dict[str, object] = {"seat": place, "team": place.team, "actions": actions}
    if not place.active:
        return render(request, "care_teams/team_outside.html", context)
    details = selectors.team_details(place=place)
    context |= {
        "rows": selectors.calendar_rows(member=request.member, place=place, since=timezone.now()),
        "roster": selectors.roster(place=place),
        "details": _labelled(details),
    }
    if "invite" in actions:
        context["invite_form"] = InviteForm(members=selectors.invitable_members(place=place))
    if "share" in actions:
        team = place.team
        private = selectors.team_private_values(place=place)
        share_form = ShareForm(
            initial=private | {f: getattr(team, f) for f in selectors.share_flags()}
        )
        context["share_pairs"] = [(share_form[n], share_form[f"share_{n}"]) for n in SHARED_DETAILS]
        context["closes_form"] = ClosesOnForm(initial={"closes_on": team.closes_on})
    return render(request, "care_teams/team_detail.html", context)


@require_POST
@member_page
def team_answer(request: MemberRequest, team_id: int, action: str) -> HttpResponse:
    """The recipient accepts or declines a team set up around them; an invited member joins
    or declines."""
    member = request.member
    place = selectors.seat(member, team_id)
    team = place.team
    if action == "accept" and place.awaiting_my_answer:
        return _on_team(
            request,
            team_id,
            lambda: services.team_accept(actor=member, team=team),
            _("The team is active. You hold its controls."),
        )
    if action == "decline" and place.awaiting_my_answer:
        services.team_decline(actor=member, team=team)
        messages.success(request, _("You declined the team. It has been deleted."))
        return redirect(_list_url(request))
    if action == "join" and place.invited:
        return _on_team(
            request,
            team_id,
            lambda: services.membership_accept(actor=member, team=team),
            _("Welcome to the team."),
        )
    if action == "decline-invitation" and place.invited:
        services.membership_decline(actor=member, team=team)
        messages.success(request, _("You declined the invitation."))
        return redirect(_list_url(request))
    raise Http404


TEAM_STEPS: dict[str, Callable[..., CareTeam]] = {
    "pause": services.team_pause,
    "resume": services.team_resume,
    "close": services.team_close,
}


@require_POST
@member_page
def team_step(request: MemberRequest, team_id: int, action: str) -> HttpResponse:
    """The controller pauses, resumes or closes the team."""
    place = selectors.access_team(request.member, team_id)
    if action not in TEAM_STEPS:
        raise Http404
    step = TEAM_STEPS[action]
    return _on_team(request, team_id, lambda: step(actor=request.member, team=place.team))


@require_POST
@member_page
def team_leave(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    return page_action(
        request,
        lambda: services.membership_leave(actor=request.member, team=place.team),
        then=_list_url(request),
        done=_("You left the team. Thank you for your help."),
    )


@require_POST
@member_page
def team_share(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please keep each detail shorter."))
        return redirect(_team_url(request, team_id))
    return _on_team(
        request,
        team_id,
        lambda: services.team_share_set(actor=request.member, team=place.team, **form.cleaned_data),
        _("Saved. The team sees only what you chose to share."),
    )


@require_POST
@member_page
def team_closes_on(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    form = ClosesOnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a date, for example 2025-05-01."))
        return redirect(_team_url(request, team_id))
    return _on_team(
        request,
        team_id,
        lambda: services.team_closes_on_set(
            actor=request.member, team=place.team, closes_on=form.cleaned_data["closes_on"]
        ),
        _("Saved."),
    )


@require_POST
@member_page
def team_invite(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    form = InviteForm(request.POST, members=Member.objects.filter(network=request.network))
    if not form.is_valid():
        messages.error(request, _("Choose a member of the network to invite."))
        return redirect(_team_url(request, team_id))
    invitee = form.cleaned_data["member"]
    return _on_team(
        request,
        team_id,
        lambda: services.membership_invite(actor=request.member, team=place.team, member=invitee),
        _("Invited. They can join from the team's page."),
    )


MembershipStep = Callable[[Member, TeamMembership], object]

MEMBERSHIP_STEPS: dict[str, MembershipStep] = {
    "remove": lambda m, ms: services.membership_remove(actor=m, membership=ms),
    "coordinator": lambda m, ms: services.membership_set_coordinator(
        actor=m, membership=ms, coordinator=True
    ),
    "not-coordinator": lambda m, ms: services.membership_set_coordinator(
        actor=m, membership=ms, coordinator=False
    ),
}


@require_POST
@member_page
def membership_step(
    request: MemberRequest, team_id: int, membership_id: int, action: str
) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    if action not in MEMBERSHIP_STEPS:
        raise Http404
    step = MEMBERSHIP_STEPS[action]
    target = selectors.access_team_membership(place, membership_id)
    return _on_team(request, team_id, lambda: step(request.member, target))


@member_page
@network_time
def slot_create(request: MemberRequest, team_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    if not selectors.may_coordinate_team(request.member, place.team):
        raise Http404
    form = SlotForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = form_action(
            form,
            lambda: services.slot_create(
                actor=request.member, team=place.team, **form.cleaned_data
            ),
        )
        if outcome.ok:
            messages.success(request, _("The slot is on the calendar."))
            return redirect(_team_url(request, team_id))
        status = outcome.status
    context = {"form": form, "team": place.team}
    return render(request, "care_teams/slot_form.html", context, status=status)


@require_GET
@member_page
@network_time
def slot_detail(request: MemberRequest, team_id: int, slot_id: int) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    slot = selectors.access_slot(place, slot_id)
    context = {
        "seat": place,
        "team": place.team,
        "slot": slot,
        "slot_actions": selectors.slot_actions(request.member, slot),
        "details": _labelled(selectors.team_details(place=place)),
    }
    return render(request, "care_teams/slot_detail.html", context)


SLOT_STEPS: dict[str, tuple[Callable[..., Slot | None], Promise]] = {
    "sign-up": (services.slot_sign_up, gettext_lazy("Thank you! The slot is yours.")),
    "withdraw": (
        services.slot_withdraw,
        gettext_lazy("You gave the slot back. It is open for others."),
    ),
    "cancel": (services.slot_cancel, gettext_lazy("The slot was cancelled.")),
}


@require_POST
@member_page
def slot_step(request: MemberRequest, team_id: int, slot_id: int, action: str) -> HttpResponse:
    place = selectors.access_team(request.member, team_id)
    slot = selectors.access_slot(place, slot_id)
    if action not in SLOT_STEPS:
        raise Http404
    step, done = SLOT_STEPS[action]
    return _on_team(request, team_id, lambda: step(actor=request.member, slot=slot), done)
