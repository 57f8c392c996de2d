"""Care team pages. Server-rendered plain forms (POST, then redirect); no JavaScript needed.

Only an active member of a team sees its calendar and details. An invited member, and a
recipient asked to accept a team set up around them, see its name and purpose and answer.
Anyone else, organisers included, gets a 404 alike for missing and forbidden teams. Times are
read and shown in the network's zone.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mutualaid.care.teams import selectors, services
from mutualaid.care.teams.forms import ClosesOnForm, InviteForm, ShareForm, SlotForm, TeamForm
from mutualaid.care.teams.models import SHARED_DETAILS, TeamMembership
from mutualaid.care.teams.selectors import Seat
from mutualaid.core.errors import DomainError, NotFound
from mutualaid.needs.views import network_time
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import Member


def _member(request: HttpRequest) -> Member:
    return request.member  # type: ignore[attr-defined,no-any-return]


def _to_team(request: HttpRequest, team_id: int) -> HttpResponse:
    return redirect("care_teams:team_detail", slug=_member(request).network.slug, team_id=team_id)


def _seat(request: HttpRequest, team_id: int, *, active: bool = True) -> Seat:
    try:
        if active:
            return selectors.access_team(_member(request), team_id)
        return selectors.seat(_member(request), team_id)
    except NotFound as err:
        raise Http404 from err


def _done_or_error(
    request: HttpRequest, team_id: int, action: Callable[[], object], success: str = ""
) -> HttpResponse:
    try:
        action()
    except NotFound as err:
        raise Http404 from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        if success:
            messages.success(request, success)
    return _to_team(request, team_id)


DETAIL_LABELS = {
    "dietary_needs": gettext_lazy("Dietary needs"),
    "address": gettext_lazy("Address"),
    "door_code": gettext_lazy("Door code"),
    "notes": gettext_lazy("Other notes"),
}


def _labelled(details: dict[str, str]) -> list[tuple[str, str]]:
    return [(str(DETAIL_LABELS[name]), details[name]) for name in SHARED_DETAILS if name in details]


def _show_error(form: TeamForm | SlotForm, err: DomainError) -> int:
    form.add_error(None, err.message)
    for name, problems in getattr(err, "fields", {}).items():
        if name in form.fields:
            for problem in problems or [err.message]:
                form.add_error(name, problem)
    return err.status


@require_GET
@member_page
def team_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    teams = []
    for team in selectors.teams_of(member=member):
        try:
            teams.append(selectors.seat(member, team.pk))
        except NotFound:
            continue
    return render(request, "care_teams/team_list.html", {"seats": teams})


@member_page
@network_time
def team_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    others = Member.objects.filter(network=member.network).exclude(pk=member.pk)
    form = TeamForm(request.POST or None, members=others.order_by("display_name", "pk"))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = {
            TeamForm.ME: member,
            TeamForm.MEMBER: data.get("recipient"),
            TeamForm.NO_ACCOUNT: None,
        }[data["for_whom"]]
        try:
            team = services.team_create(
                actor=member,
                name=data["name"],
                purpose=data["purpose"],
                recipient=recipient,
                closes_on=data["closes_on"],
            )
        except DomainError as err:
            status = _show_error(form, err)
        else:
            if team.state == team.State.PROPOSED:
                messages.success(request, _("The team waits for the person at its centre."))
            return _to_team(request, team.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "care_teams/team_form.html", {"form": form}, status=status)


@require_GET
@member_page
@network_time
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    place = _seat(request, team_id, active=False)
    context: dict[str, object] = {"seat": place, "team": place.team}
    if not place.active:
        return render(request, "care_teams/team_outside.html", context)
    details = selectors.team_details(place=place)
    context |= {
        "slots": selectors.slots(place=place, since=timezone.now())[:300],
        "roster": selectors.roster(place=place),
        "details": _labelled(details),
    }
    if place.coordinates:
        context["invite_form"] = InviteForm(members=selectors.invitable_members(place=place))
    if place.is_controller:
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
def team_answer(request: HttpRequest, team_id: int, action: str) -> HttpResponse:
    """The recipient accepts or declines a team set up around them; an invited member joins
    or declines."""
    member = _member(request)
    place = _seat(request, team_id, active=False)
    team = place.team
    if action == "accept" and place.awaiting_my_answer:
        return _done_or_error(
            request,
            team_id,
            lambda: services.team_accept(actor=member, team=team),
            _("The team is active. You hold its controls."),
        )
    if action == "decline" and place.awaiting_my_answer:
        services.team_decline(actor=member, team=team)
        messages.success(request, _("You declined the team. It has been deleted."))
        return redirect("care_teams:team_list", slug=member.network.slug)
    if action == "join" and place.invited:
        return _done_or_error(
            request,
            team_id,
            lambda: services.membership_accept(actor=member, team=team),
            _("Welcome to the team."),
        )
    if action == "decline-invitation" and place.invited:
        services.membership_decline(actor=member, team=team)
        messages.success(request, _("You declined the invitation."))
        return redirect("care_teams:team_list", slug=member.network.slug)
    raise Http404


TEAM_STEPS = {
    "pause": services.team_pause,
    "resume": services.team_resume,
    "close": services.team_close,
}


@require_POST
@member_page
def team_step(request: HttpRequest, team_id: int, action: str) -> HttpResponse:
    """The controller pauses, resumes or closes the team."""
    member = _member(request)
    place = _seat(request, team_id)
    step = TEAM_STEPS.get(action)
    if step is None:
        raise Http404
    return _done_or_error(request, team_id, lambda: step(actor=member, team=place.team))


@require_POST
@member_page
def team_leave(request: HttpRequest, team_id: int) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    try:
        services.membership_leave(actor=member, team=place.team)
    except DomainError as err:
        messages.error(request, err.message)
        return _to_team(request, team_id)
    messages.success(request, _("You left the team. Thank you for your help."))
    return redirect("care_teams:team_list", slug=member.network.slug)


@require_POST
@member_page
def team_share(request: HttpRequest, team_id: int) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please keep each detail shorter."))
        return _to_team(request, team_id)
    return _done_or_error(
        request,
        team_id,
        lambda: services.team_share_set(actor=member, team=place.team, **form.cleaned_data),
        _("Saved. The team sees only what you chose to share."),
    )


@require_POST
@member_page
def team_closes_on(request: HttpRequest, team_id: int) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    form = ClosesOnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a date, for example 2025-05-01."))
        return _to_team(request, team_id)
    return _done_or_error(
        request,
        team_id,
        lambda: services.team_closes_on_set(
            actor=member, team=place.team, closes_on=form.cleaned_data["closes_on"]
        ),
        _("Saved."),
    )


@require_POST
@member_page
def team_invite(request: HttpRequest, team_id: int) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    others = Member.objects.filter(network=member.network)
    form = InviteForm(request.POST, members=others)
    if not form.is_valid():
        messages.error(request, _("Choose a member of the network to invite."))
        return _to_team(request, team_id)
    invitee = form.cleaned_data["member"]
    return _done_or_error(
        request,
        team_id,
        lambda: services.membership_invite(actor=member, team=place.team, member=invitee),
        _("Invited. They can join from the team's page."),
    )


MEMBERSHIP_STEPS = {
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
    request: HttpRequest, team_id: int, membership_id: int, action: str
) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    step = MEMBERSHIP_STEPS.get(action)
    target = TeamMembership.objects.filter(pk=membership_id, team_id=team_id).first()
    if step is None or target is None:
        raise Http404
    target.team = place.team
    return _done_or_error(request, team_id, lambda: step(member, target))


@member_page
@network_time
def slot_create(request: HttpRequest, team_id: int) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    if not place.coordinates:
        raise Http404
    form = SlotForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_create(actor=member, team=place.team, **form.cleaned_data)
        except DomainError as err:
            status = _show_error(form, err)
        else:
            messages.success(request, _("The slot is on the calendar."))
            return _to_team(request, team_id)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "team": place.team}
    return render(request, "care_teams/slot_form.html", context, status=status)


@require_GET
@member_page
@network_time
def slot_detail(request: HttpRequest, team_id: int, slot_id: int) -> HttpResponse:
    place = _seat(request, team_id)
    try:
        slot = selectors.access_slot(place, slot_id)
    except NotFound as err:
        raise Http404 from err
    context = {
        "seat": place,
        "team": place.team,
        "slot": slot,
        "details": _labelled(selectors.team_details(place=place)),
    }
    return render(request, "care_teams/slot_detail.html", context)


SLOT_STEPS = {
    "sign-up": (services.slot_sign_up, gettext_lazy("Thank you! The slot is yours.")),
    "withdraw": (
        services.slot_withdraw,
        gettext_lazy("You gave the slot back. It is open for others."),
    ),
    "cancel": (services.slot_cancel, gettext_lazy("The slot was cancelled.")),
}


@require_POST
@member_page
def slot_step(request: HttpRequest, team_id: int, slot_id: int, action: str) -> HttpResponse:
    member = _member(request)
    place = _seat(request, team_id)
    try:
        slot = selectors.access_slot(place, slot_id)
    except NotFound as err:
        raise Http404 from err
    if action not in SLOT_STEPS:
        raise Http404
    step, success = SLOT_STEPS[action]
    return _done_or_error(request, team_id, lambda: step(actor=member, slot=slot), str(success))
