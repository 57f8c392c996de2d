"""Reads for care teams, each limited to what the asking member may see.

Only an active membership opens a team's calendar and its details. An invited member and a
recipient asked to accept see the team's name and purpose only. Everyone else, organisers
included, gets the same NotFound as for a team that does not exist. Querysets for slots defer
the encrypted address and details; only `slot_details` and `team_details` read them, after
checking the membership.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db.models import Q, QuerySet
from django.utils import timezone

from mutualaid.care.teams.models import SHARED_DETAILS, CareTeam, Slot, TeamMembership
from mutualaid.core.errors import NotFound
from mutualaid.networks.models import Member

Active = TeamMembership.State.ACTIVE
PRIVATE_SLOT_FIELDS = ("address", "details")
PRIVATE_TEAM_FIELDS = SHARED_DETAILS


@dataclass(frozen=True)
class Seat:
    """Where the asking member stands in a team."""

    team: CareTeam
    membership: TeamMembership | None
    is_controller: bool
    awaiting_my_answer: bool  # the recipient, asked to accept a proposed team

    @property
    def active(self) -> bool:
        return self.membership is not None and self.membership.state == Active

    @property
    def invited(self) -> bool:
        return (
            self.membership is not None
            and self.membership.state == TeamMembership.State.INVITED
            and self.team.state != CareTeam.State.CLOSED
        )

    @property
    def coordinates(self) -> bool:
        membership = self.membership
        return (
            membership is not None
            and membership.state == Active
            and (self.is_controller or membership.is_coordinator)
        )


# --- What a member may do with a team or a slot (the services' checks call the same
# predicates) -------------------------------------------------------------------------------

TeamState = CareTeam.State


def active_team_membership(member: Member, team: CareTeam) -> TeamMembership | None:
    """The member's active place on the team (of their own network): the key to it."""
    if team.network_id != member.network_id:
        return None
    return TeamMembership.objects.filter(team=team, member=member, state=Active).first()


def is_team_controller(member: Member, team: CareTeam) -> bool:
    """Whether the member holds the recipient's controls (the recipient, or the trusted
    member who set the team up for someone without an account)."""
    return team.controller_id == member.pk


def is_team_recipient(member: Member, team: CareTeam) -> bool:
    return team.recipient_id == member.pk


def is_invited_to_team(member: Member, team: CareTeam) -> bool:
    return TeamMembership.objects.filter(
        team=team, member=member, state=TeamMembership.State.INVITED
    ).exists()


def may_control_team(member: Member, team: CareTeam) -> bool:
    """On the team and holding its controls: who is on it, what it sees, pause and close."""
    return is_team_controller(member, team) and active_team_membership(member, team) is not None


def may_coordinate_team(member: Member, team: CareTeam) -> bool:
    """Invite and plan: the controller and the coordinators they named."""
    own = active_team_membership(member, team)
    return own is not None and (own.is_coordinator or is_team_controller(member, team))


def may_answer_team(member: Member, team: CareTeam) -> bool:
    """Accept or decline a team set up around oneself."""
    return team.state == TeamState.PROPOSED and is_team_recipient(member, team)


def may_answer_invitation(member: Member, team: CareTeam) -> bool:
    return team.state != TeamState.CLOSED and is_invited_to_team(member, team)


def may_join_team(member: Member, team: CareTeam) -> bool:
    return team.state in (TeamState.ACTIVE, TeamState.PAUSED) and is_invited_to_team(member, team)


def may_leave_team(member: Member, team: CareTeam) -> bool:
    """Anyone on the team but its controller, who closes it instead."""
    return active_team_membership(member, team) is not None and not is_team_controller(member, team)


def may_pause_team(member: Member, team: CareTeam) -> bool:
    return team.state == TeamState.ACTIVE and may_control_team(member, team)


def may_resume_team(member: Member, team: CareTeam) -> bool:
    return team.state == TeamState.PAUSED and may_control_team(member, team)


def may_change_team(member: Member, team: CareTeam) -> bool:
    """Close it, change what it sees and when it closes: its controller, until it closed."""
    return team.state != TeamState.CLOSED and may_control_team(member, team)


def may_plan_team(member: Member, team: CareTeam) -> bool:
    """Invite people and add slots: a coordinator, once the team is accepted and until it
    closes."""
    return team.state in (TeamState.ACTIVE, TeamState.PAUSED) and may_coordinate_team(member, team)


TEAM_ACTIONS: Final[dict[str, Callable[[Member, CareTeam], bool]]] = {
    "accept": may_answer_team,
    "decline": may_answer_team,
    "join": may_join_team,
    "decline_invitation": may_answer_invitation,
    "leave": may_leave_team,
    "pause": may_pause_team,
    "resume": may_resume_team,
    "close": may_change_team,
    "share": may_change_team,
    "set_closes_on": may_change_team,
    "manage_members": may_control_team,
    "invite": may_plan_team,
    "add_slot": may_plan_team,
}


def team_actions(member: Member, team: CareTeam) -> list[str]:
    """What the member may do with the team now, about their own place on it only."""
    return [name for name, allowed in TEAM_ACTIONS.items() if allowed(member, team)]


def may_sign_up_for_slot(member: Member, slot: Slot) -> bool:
    """A free slot still to end, of an active team the member is on."""
    return (
        not slot.cancelled
        and slot.volunteer_id is None
        and slot.ends_at > timezone.now()
        and slot.team.state == TeamState.ACTIVE
        and active_team_membership(member, slot.team) is not None
    )


def may_withdraw_from_slot(member: Member, slot: Slot) -> bool:
    """Give back a slot one took, while on the team."""
    return (
        not slot.cancelled
        and slot.volunteer_id == member.pk
        and active_team_membership(member, slot.team) is not None
    )


def may_cancel_slot(member: Member, slot: Slot) -> bool:
    return not slot.cancelled and may_coordinate_team(member, slot.team)


SLOT_ACTIONS: Final[dict[str, Callable[[Member, Slot], bool]]] = {
    "sign_up": may_sign_up_for_slot,
    "withdraw": may_withdraw_from_slot,
    "cancel": may_cancel_slot,
}


def slot_actions(member: Member, slot: Slot) -> list[str]:
    """What the member may do with the slot now."""
    return [name for name, allowed in SLOT_ACTIONS.items() if allowed(member, slot)]


def _teams() -> QuerySet[CareTeam]:
    return CareTeam.objects.defer(*PRIVATE_TEAM_FIELDS)


def teams_of(*, member: Member) -> QuerySet[CareTeam]:
    """Teams the member is on, is invited to, or is asked to be at the centre of."""
    mine = TeamMembership.objects.filter(member=member)
    active = mine.filter(state=Active).values("team_id")
    invited = mine.filter(state=TeamMembership.State.INVITED).values("team_id")
    return (
        _teams()
        .filter(network_id=member.network_id)
        .filter(
            Q(pk__in=active)
            | (Q(pk__in=invited) & ~Q(state=CareTeam.State.CLOSED))
            | Q(recipient=member, state=CareTeam.State.PROPOSED)
        )
        .order_by("state", "name", "pk")
    )


def seat(member: Member | None, team_id: int) -> Seat:
    """The member's seat in the team, or NotFound if they have none (missing and forbidden
    alike)."""
    if member is None:
        raise NotFound()
    team = _teams().filter(pk=team_id, network_id=member.network_id).first()
    if team is None:
        raise NotFound()
    membership = TeamMembership.objects.filter(team=team, member=member).first()
    awaiting = team.state == CareTeam.State.PROPOSED and team.recipient_id == member.pk
    result = Seat(
        team=team,
        membership=membership,
        is_controller=team.controller_id == member.pk
        and (membership is not None and membership.state == Active),
        awaiting_my_answer=awaiting,
    )
    if not (result.active or result.invited or awaiting):
        raise NotFound()
    return result


def seats_of(*, member: Member, limit: int | None = None) -> list[Seat]:
    """The member's seat in each team of `teams_of` (at most `limit` teams)."""
    seats = []
    for team in teams_of(member=member)[:limit]:
        try:
            seats.append(seat(member, team.pk))
        except NotFound:
            continue  # their place changed meanwhile
    return seats


def access_team(member: Member | None, team_id: int) -> Seat:
    """An active member's seat: the key to the calendar and details."""
    place = seat(member, team_id)
    if not place.active:
        raise NotFound()
    return place


def team_details(*, place: Seat) -> dict[str, str]:
    """The team-wide details this active member may read (empty once the team has closed)."""
    if not place.active:
        return {}
    team = CareTeam.objects.only("pk", *PRIVATE_TEAM_FIELDS, *share_flags()).get(pk=place.team.pk)
    shown = {}
    for name in SHARED_DETAILS:
        value = getattr(team, name) or ""
        if value and (place.is_controller or getattr(team, f"share_{name}")):
            shown[name] = value
    return shown


def team_private_values(*, place: Seat) -> dict[str, str]:
    """Every detail and share flag, for the controller's form only."""
    if not place.is_controller:
        return {}
    team = CareTeam.objects.get(pk=place.team.pk)
    values: dict[str, str] = {name: getattr(team, name) or "" for name in SHARED_DETAILS}
    return values


def share_flags() -> tuple[str, ...]:
    return tuple(f"share_{name}" for name in SHARED_DETAILS)


def slots(
    *, place: Seat, since: datetime | None = None, with_details: bool = False
) -> QuerySet[Slot]:
    """The team's calendar for an active member; without the encrypted address and details
    unless asked (the API shows them to the team)."""
    if not place.active:
        return Slot.objects.none()
    found = Slot.objects.filter(team_id=place.team.pk, cancelled=False).select_related("volunteer")
    if not with_details:
        found = found.defer(*PRIVATE_SLOT_FIELDS)
    if since is not None:
        found = found.filter(ends_at__gte=since)
    return found


def calendar(
    *, place: Seat, since: datetime | None = None, with_details: bool = False, limit: int = 300
) -> list[Slot]:
    """The first `limit` slots of `slots`, each holding the team it is on (its actions ask
    about the team)."""
    found = list(slots(place=place, since=since, with_details=with_details)[:limit])
    for slot in found:
        slot.team = place.team
    return found


@dataclass(frozen=True)
class SlotRow:
    """A slot on a page, with what the member may do with it."""

    slot: Slot
    actions: list[str]


def calendar_rows(*, member: Member, place: Seat, since: datetime | None = None) -> list[SlotRow]:
    return [
        SlotRow(slot, slot_actions(member, slot)) for slot in calendar(place=place, since=since)
    ]


def access_slot(place: Seat, slot_id: int) -> Slot:
    """One slot of the team, details included, for an active member only."""
    if not place.active:
        raise NotFound()
    slot = (
        Slot.objects.select_related("volunteer")
        .filter(pk=slot_id, team_id=place.team.pk, cancelled=False)
        .first()
    )
    if slot is None:
        raise NotFound()
    slot.team = place.team
    return slot


def access_team_membership(place: Seat, membership_id: int) -> TeamMembership:
    """Another membership of the team, for its controller to act on (services check who)."""
    if not place.active:
        raise NotFound()
    target = (
        TeamMembership.objects.select_related("member")
        .filter(pk=membership_id, team_id=place.team.pk)
        .first()
    )
    if target is None:
        raise NotFound()
    target.team = place.team
    return target


def roster(*, place: Seat) -> QuerySet[TeamMembership]:
    """Who is on the team (and, for coordinators, who is invited)."""
    if not place.active:
        return TeamMembership.objects.none()
    states = [Active, TeamMembership.State.INVITED] if place.coordinates else [Active]
    return (
        TeamMembership.objects.filter(team_id=place.team.pk, state__in=states)
        .select_related("member")
        .order_by("state", "created_at", "pk")
    )


def invitable_members(*, place: Seat) -> QuerySet[Member]:
    """Network members a coordinator may invite: not already on the team or invited."""
    if not place.coordinates:
        return Member.objects.none()
    taken = TeamMembership.objects.filter(
        team_id=place.team.pk, state__in=[Active, TeamMembership.State.INVITED]
    ).values("member_id")
    return (
        Member.objects.filter(network_id=place.team.network_id)
        .exclude(pk__in=taken)
        .exclude(pk=place.team.recipient_id or 0)
        .only("id", "display_name")
        .order_by("display_name", "pk")
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def care_teams_data_export(*, member: Member) -> dict[str, object]:
    """The member's own part in care teams, for "download my data": each team they are or
    were on, with the slots they took there (when and what kind; a slot's address and details
    are the recipient's, not theirs), and the teams they hold the controls of (at the centre,
    or set up for someone without an account), with the details and the calendar's slots."""
    memberships = TeamMembership.objects.filter(member=member).select_related("team")
    taken: dict[int, list[dict[str, object]]] = {}
    for s in Slot.objects.filter(volunteer=member).defer(*PRIVATE_SLOT_FIELDS):
        taken.setdefault(s.team_id, []).append(
            {
                "kind": s.kind,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "cancelled": s.cancelled,
                "signed_up_at": _iso(s.signed_up_at),
                "reminded_at": _iso(s.reminded_at),
            }
        )
    controlled = CareTeam.objects.filter(
        Q(recipient=member) | Q(recipient__isnull=True, created_by=member)
    )
    return {
        "care_teams": [
            {
                "team": m.team.name,
                "state": m.state,
                "is_coordinator": m.is_coordinator,
                "created_at": m.created_at.isoformat(),
                "updated_at": m.updated_at.isoformat(),
                "slots": taken.get(m.team_id, []),
            }
            for m in memberships
        ],
        "care_teams_controlled": [
            {
                "name": t.name,
                "purpose": t.purpose,
                "at_the_centre": t.recipient_id == member.pk,
                "state": t.state,
                "closes_on": t.closes_on.isoformat() if t.closes_on else None,
                **{name: getattr(t, name) or "" for name in SHARED_DETAILS},
                **{flag: getattr(t, flag) for flag in share_flags()},
                "closed_at": _iso(t.closed_at),
                "created_at": t.created_at.isoformat(),
                "updated_at": t.updated_at.isoformat(),
                "slots": [
                    {
                        "kind": s.kind,
                        "starts_at": s.starts_at.isoformat(),
                        "ends_at": s.ends_at.isoformat(),
                        "address": s.address or "",
                        "details": s.details or "",
                        "cancelled": s.cancelled,
                        "created_at": s.created_at.isoformat(),
                    }
                    for s in t.slots.all()
                ],
            }
            for t in controlled.prefetch_related("slots")
        ],
    }
