"""Reads for care teams, each limited to what the asking member may see.

Only an active membership opens a team's calendar and its details. An invited member and a
recipient asked to accept see the team's name and purpose only. Everyone else, organisers
included, gets the same NotFound as for a team that does not exist. Querysets for slots defer
the encrypted address and details; only `slot_details` and `team_details` read them, after
checking the membership.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

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
        return self.active and (self.is_controller or bool(self.membership.is_coordinator))  # type: ignore[union-attr]


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
