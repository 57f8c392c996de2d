"""API: care teams, mirroring the pages.

Privacy: a team's details (dietary needs, address, door code, notes) and its slots' address
and details are in responses only for the team's active members, and the team-wide details
only as far as the person at the centre chose to share them. An invited member or a recipient
asked to accept sees the name and purpose; anyone else gets the same 404 as for a team that
does not exist, organisers included.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from mutualaid.care.teams import selectors, services
from mutualaid.care.teams.models import SHARED_DETAILS, CareTeam, Slot, TeamMembership
from mutualaid.care.teams.selectors import Seat
from mutualaid.core.api import (
    Id,
    IdempotencyKey,
    InputSchema,
    Instant,
    PathId,
    PlainText,
    created_once,
    responses,
)
from mutualaid.core.errors import InvalidInput, NotFound
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member

router = Router(tags=["care"])

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them.
TeamState = Literal["proposed", "active", "paused", "closed"]
MemberState = Literal["invited", "active", "removed", "left"]
SlotKind = Literal["meal", "ride", "prescription", "visit", "childcare", "other"]
RecipientChoice = Literal["me", "member", "no_account"]


Name = Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText]
Purpose = Annotated[str, StringConstraints(max_length=200), PlainText]
LongText = Annotated[str, StringConstraints(max_length=2000), PlainText]
MediumText = Annotated[str, StringConstraints(max_length=1000), PlainText]
Address = Annotated[str, StringConstraints(max_length=500), PlainText]
DoorCode = Annotated[str, StringConstraints(max_length=60), PlainText]


class TeamOut(Schema):
    id: int
    name: str
    purpose: str
    state: TeamState
    closes_on: date | None
    my_state: MemberState | None = Field(description="My place on the team, if any.")
    i_hold_the_controls: bool
    i_coordinate: bool
    awaiting_my_answer: bool = Field(
        description="True when the team was set up around me and waits for me to accept."
    )
    actions: list[str] = Field(
        description="What I may do with the team now, about my own place on it only: accept, "
        "decline, join, decline_invitation, leave, pause, resume, close, share, "
        "set_closes_on, manage_members, invite, add_slot."
    )


class TeamDetailOut(TeamOut):
    details: dict[str, str] = Field(
        description="The team-wide details I may read: what the person at the centre shares "
        "(all of them for that person). Empty unless I am an active member."
    )
    sharing: dict[str, bool] = Field(
        description="Which details are shared with the team. Only for the person at the centre."
    )


class TeamIn(InputSchema):
    name: Name
    purpose: Purpose = ""
    recipient: RecipientChoice = Field(
        "me",
        description="`me`; `member` (give `recipient_id`; they accept before the team is "
        "active); or `no_account` (I hold the recipient's controls).",
    )
    recipient_id: Id | None = None
    closes_on: date | None = None


class ShareIn(InputSchema):
    dietary_needs: MediumText = ""
    address: Address = ""
    door_code: DoorCode = ""
    notes: LongText = ""
    share_dietary_needs: bool = False
    share_address: bool = False
    share_door_code: bool = False
    share_notes: bool = False


class ClosesOnIn(InputSchema):
    closes_on: date | None


class InvitationIn(InputSchema):
    member_id: Id


class CoordinatorIn(InputSchema):
    coordinator: bool


class TeamMemberOut(Schema):
    id: int
    member_id: int
    display_name: str
    state: MemberState
    is_coordinator: bool

    @staticmethod
    def resolve_display_name(obj: TeamMembership) -> str:
        return obj.member.display_name


class SlotIn(InputSchema):
    kind: SlotKind
    starts_at: Instant
    ends_at: Instant
    address: Address = ""
    details: LongText = ""


class SlotOut(Schema):
    id: int
    kind: SlotKind
    starts_at: datetime
    ends_at: datetime
    address: str
    details: str
    volunteer: str | None = Field(description="The display name of who took the slot.")
    mine: bool
    actions: list[str] = Field(
        description="What I may do with the slot now: sign_up, withdraw, cancel."
    )

    @staticmethod
    def resolve_address(obj: Slot) -> str:
        return obj.address or ""

    @staticmethod
    def resolve_details(obj: Slot) -> str:
        return obj.details or ""

    @staticmethod
    def resolve_volunteer(obj: Slot) -> str | None:
        return obj.volunteer.display_name if obj.volunteer else None

    @staticmethod
    def resolve_mine(obj: Slot, context: dict[str, Any]) -> bool:
        return obj.volunteer_id == api_member(context["request"]).pk

    @staticmethod
    def resolve_actions(obj: Slot, context: dict[str, Any]) -> list[str]:
        return selectors.slot_actions(api_member(context["request"]), obj)


class DeclinedOut(Schema):
    deleted: bool


def _team_out(member: Member, place: Seat) -> dict[str, Any]:
    team, membership = place.team, place.membership
    return {
        "id": team.pk,
        "name": team.name,
        "purpose": team.purpose,
        "state": team.state,
        "closes_on": team.closes_on,
        "my_state": membership.state if membership else None,
        "i_hold_the_controls": place.is_controller,
        "i_coordinate": place.coordinates,
        "awaiting_my_answer": place.awaiting_my_answer,
        "actions": selectors.team_actions(member, team),
    }


def _detail_out(request: HttpRequest, team_id: int) -> dict[str, Any]:
    member = api_member(request)
    place = selectors.seat(member, team_id)
    sharing = {}
    if place.is_controller:
        team = CareTeam.objects.get(pk=team_id)
        sharing = {name: getattr(team, f"share_{name}") for name in SHARED_DETAILS}
    return _team_out(member, place) | {
        "details": selectors.team_details(place=place),
        "sharing": sharing,
    }


def _inside(request: HttpRequest, team_id: int) -> Seat:
    return selectors.access_team(api_member(request), team_id)


def _network_member(request: HttpRequest, member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id, network_id=api_member(request).network_id).first()
    if member is None:
        raise NotFound()
    return member


# --- Teams ----------------------------------------------------------------------------------


@router.get("/care/teams", response=responses(list[TeamOut]), operation_id="care_teams")
def care_teams(request: HttpRequest) -> Any:
    """The teams I am on, am invited to, or am asked to be at the centre of."""
    member = api_member(request)
    return [_team_out(member, place) for place in selectors.seats_of(member=member, limit=500)]


@router.post("/care/teams", response=responses(TeamOut, 201), operation_id="care_teams_create")
def care_teams_create(
    request: HttpRequest, payload: TeamIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Set up a care team around me, another member (who accepts first), or someone with no
    account. I am its first coordinator."""
    member = api_member(request)

    def create() -> dict[str, Any]:
        if payload.recipient == "member":
            if payload.recipient_id is None:
                message = _("Give the member at the centre of the team.")
                raise InvalidInput(message, fields={"recipient_id": [message]})
            recipient: Member | None = _network_member(request, payload.recipient_id)
        else:
            recipient = member if payload.recipient == "me" else None
        team = services.team_create(
            actor=member,
            name=payload.name,
            purpose=payload.purpose,
            recipient=recipient,
            closes_on=payload.closes_on,
        )
        return _team_out(member, selectors.seat(member, team.pk))

    return created_once(request, key=idempotency_key, create=create, out=TeamOut)


@router.get("/care/teams/{team_id}", response=responses(TeamDetailOut), operation_id="care_team")
def care_team(request: HttpRequest, team_id: PathId) -> Any:
    """A team I have a place in. Its details only if I am an active member."""
    return _detail_out(request, team_id)


@router.post(
    "/care/teams/{team_id}/accept",
    response=responses(TeamDetailOut),
    operation_id="care_team_accept",
)
def care_team_accept(request: HttpRequest, team_id: PathId) -> Any:
    """As the person at the centre, accept a team set up around me; I hold its controls."""
    place = selectors.seat(api_member(request), team_id)
    services.team_accept(actor=api_member(request), team=place.team)
    return _detail_out(request, team_id)


@router.post(
    "/care/teams/{team_id}/decline",
    response=responses(DeclinedOut),
    operation_id="care_team_decline",
)
def care_team_decline(request: HttpRequest, team_id: PathId) -> Any:
    """As the person at the centre, decline a team set up around me: it is deleted."""
    place = selectors.seat(api_member(request), team_id)
    services.team_decline(actor=api_member(request), team=place.team)
    return {"deleted": True}


@router.post(
    "/care/teams/{team_id}/join", response=responses(TeamDetailOut), operation_id="care_team_join"
)
def care_team_join(request: HttpRequest, team_id: PathId) -> Any:
    """Accept an invitation to the team."""
    place = selectors.seat(api_member(request), team_id)
    services.membership_accept(actor=api_member(request), team=place.team)
    return _detail_out(request, team_id)


@router.post(
    "/care/teams/{team_id}/decline-invitation",
    response=responses(DeclinedOut),
    operation_id="care_team_invitation_decline",
)
def care_team_invitation_decline(request: HttpRequest, team_id: PathId) -> Any:
    place = selectors.seat(api_member(request), team_id)
    services.membership_decline(actor=api_member(request), team=place.team)
    return {"deleted": True}


@router.post(
    "/care/teams/{team_id}/leave",
    response=responses(TeamMemberOut),
    operation_id="care_team_leave",
)
def care_team_leave(request: HttpRequest, team_id: PathId) -> Any:
    """Leave the team; I am taken off the slots still to come."""
    place = _inside(request, team_id)
    return services.membership_leave(actor=api_member(request), team=place.team)


def _state_step(request: HttpRequest, team_id: int, step: Any) -> dict[str, Any]:
    place = _inside(request, team_id)
    step(actor=api_member(request), team=place.team)
    return _detail_out(request, team_id)


@router.post(
    "/care/teams/{team_id}/pause", response=responses(TeamDetailOut), operation_id="care_team_pause"
)
def care_team_pause(request: HttpRequest, team_id: PathId) -> Any:
    """The person at the centre pauses the team: no sign-ups, no reminders."""
    return _state_step(request, team_id, services.team_pause)


@router.post(
    "/care/teams/{team_id}/resume",
    response=responses(TeamDetailOut),
    operation_id="care_team_resume",
)
def care_team_resume(request: HttpRequest, team_id: PathId) -> Any:
    return _state_step(request, team_id, services.team_resume)


@router.post(
    "/care/teams/{team_id}/close", response=responses(TeamDetailOut), operation_id="care_team_close"
)
def care_team_close(request: HttpRequest, team_id: PathId) -> Any:
    """The person at the centre closes the team; its details are deleted at once."""
    return _state_step(request, team_id, services.team_close)


@router.patch(
    "/care/teams/{team_id}/sharing",
    response=responses(TeamDetailOut),
    operation_id="care_team_sharing_set",
)
def care_team_sharing_set(request: HttpRequest, team_id: PathId, payload: ShareIn) -> Any:
    """The person at the centre writes the team-wide details and chooses which are shared.
    Fields left out keep their value; an empty string deletes a detail."""
    place = _inside(request, team_id)
    current: dict[str, Any] = selectors.team_private_values(place=place)
    current |= {flag: getattr(place.team, flag) for flag in selectors.share_flags()}
    changes = payload.dict(exclude_unset=True)
    services.team_share_set(actor=api_member(request), team=place.team, **(current | changes))
    return _detail_out(request, team_id)


@router.patch(
    "/care/teams/{team_id}/closes-on",
    response=responses(TeamDetailOut),
    operation_id="care_team_closes_on_set",
)
def care_team_closes_on_set(request: HttpRequest, team_id: PathId, payload: ClosesOnIn) -> Any:
    """The day the team closes by itself; null keeps it open until closed by hand."""
    place = _inside(request, team_id)
    services.team_closes_on_set(
        actor=api_member(request), team=place.team, closes_on=payload.closes_on
    )
    return _detail_out(request, team_id)


# --- Members --------------------------------------------------------------------------------


@router.get(
    "/care/teams/{team_id}/members",
    response=responses(list[TeamMemberOut]),
    operation_id="care_team_members",
)
def care_team_members(request: HttpRequest, team_id: PathId) -> Any:
    """Who is on the team (coordinators also see who is invited)."""
    return list(selectors.roster(place=_inside(request, team_id)))


@router.post(
    "/care/teams/{team_id}/invitations",
    response=responses(TeamMemberOut, 201),
    operation_id="care_team_invite",
)
def care_team_invite(
    request: HttpRequest,
    team_id: PathId,
    payload: InvitationIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """A coordinator invites a member of the network. 409 if already on the team or invited."""
    place = _inside(request, team_id)
    actor = api_member(request)
    invitee = _network_member(request, payload.member_id)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.membership_invite(actor=actor, team=place.team, member=invitee),
        out=TeamMemberOut,
    )


@router.post(
    "/care/teams/{team_id}/members/{membership_id}/remove",
    response=responses(TeamMemberOut),
    operation_id="care_team_member_remove",
)
def care_team_member_remove(request: HttpRequest, team_id: PathId, membership_id: PathId) -> Any:
    """The person at the centre takes someone off the team; their access ends at once."""
    target = selectors.access_team_membership(_inside(request, team_id), membership_id)
    return services.membership_remove(actor=api_member(request), membership=target)


@router.patch(
    "/care/teams/{team_id}/members/{membership_id}/coordinator",
    response=responses(TeamMemberOut),
    operation_id="care_team_member_coordinator_set",
)
def care_team_member_coordinator_set(
    request: HttpRequest, team_id: PathId, membership_id: PathId, payload: CoordinatorIn
) -> Any:
    """The person at the centre names (or un-names) a co-coordinator."""
    target = selectors.access_team_membership(_inside(request, team_id), membership_id)
    return services.membership_set_coordinator(
        actor=api_member(request), membership=target, coordinator=payload.coordinator
    )


# --- Slots ----------------------------------------------------------------------------------


@router.get(
    "/care/teams/{team_id}/slots",
    response=responses(list[SlotOut]),
    operation_id="care_team_slots",
)
def care_team_slots(request: HttpRequest, team_id: PathId) -> Any:
    """The calendar, from slots still running onwards, with the details the team sees."""
    place = _inside(request, team_id)
    return selectors.calendar(place=place, since=timezone.now(), with_details=True, limit=500)


@router.post(
    "/care/teams/{team_id}/slots",
    response=responses(SlotOut, 201),
    operation_id="care_team_slots_create",
)
def care_team_slots_create(
    request: HttpRequest, team_id: PathId, payload: SlotIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """A coordinator adds a slot. 400 when it ends before it starts or is already over."""
    place = _inside(request, team_id)
    actor = api_member(request)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.slot_create(actor=actor, team=place.team, **payload.dict()),
        out=SlotOut,
    )


@router.get(
    "/care/teams/{team_id}/slots/{slot_id}",
    response=responses(SlotOut),
    operation_id="care_team_slot",
)
def care_team_slot(request: HttpRequest, team_id: PathId, slot_id: PathId) -> Any:
    return selectors.access_slot(_inside(request, team_id), slot_id)


def _slot_step(request: HttpRequest, team_id: int, slot_id: int, step: Any) -> Slot:
    slot = selectors.access_slot(_inside(request, team_id), slot_id)
    result = step(actor=api_member(request), slot=slot)
    return result if isinstance(result, Slot) else slot


@router.post(
    "/care/teams/{team_id}/slots/{slot_id}/sign-up",
    response=responses(SlotOut),
    operation_id="care_team_slot_sign_up",
)
def care_team_slot_sign_up(request: HttpRequest, team_id: PathId, slot_id: PathId) -> Any:
    """Take the slot. 409 `slot_taken` if someone else has it; 409 `team_not_active` when
    the team is paused or closed."""
    return _slot_step(request, team_id, slot_id, services.slot_sign_up)


@router.post(
    "/care/teams/{team_id}/slots/{slot_id}/withdraw",
    response=responses(SlotOut),
    operation_id="care_team_slot_withdraw",
)
def care_team_slot_withdraw(request: HttpRequest, team_id: PathId, slot_id: PathId) -> Any:
    """Give the slot back so someone else can take it."""
    return _slot_step(request, team_id, slot_id, services.slot_withdraw)


@router.post(
    "/care/teams/{team_id}/slots/{slot_id}/cancel",
    response=responses(DeclinedOut),
    operation_id="care_team_slot_cancel",
)
def care_team_slot_cancel(request: HttpRequest, team_id: PathId, slot_id: PathId) -> Any:
    """A coordinator cancels the slot; its address and details are deleted."""
    _slot_step(request, team_id, slot_id, services.slot_cancel)
    return {"deleted": True}
