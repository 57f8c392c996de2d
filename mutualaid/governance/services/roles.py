"""Roles: who holds which, as trust and the network's decisions say, and what they grant.

A role is held while enough members trust its holder (the role's threshold) and, for roles
with a term, until the term lapses; a role given by decision (a trained listener) is held
while the network's decision says so. What a member's roles grant is written on the
membership (`role_permissions_write`) for `can` to read. The founding organiser's powers are a
bridge: they end once the network has its own coordinators, or after a month, whichever comes
first.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from mutualaid.core.history import history_record
from mutualaid.governance.models import (
    Proposal,
    Role,
    RoleHolding,
)
from mutualaid.governance.selectors import (
    active_member_count,
    holdings_current,
    trust_received_count,
)
from mutualaid.governance.services.authority import add_months, authorise_change, change_reason
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import (
    ALL_PERMISSIONS,
    ROLE_ONLY_PERMISSIONS,
)

COORDINATOR: Final = "coordinator"

# The roles every network starts with. A network can change their rules later (by proposal).
DEFAULT_ROLES: Final[dict[str, dict[str, Any]]] = {
    COORDINATOR: {
        "name": gettext_lazy("Coordinator"),
        "permissions": ["network.manage", "network.moderate", "application.review"],
        "threshold_fraction": Decimal("0.5"),
        "threshold_cap": 3,
        "threshold_min": 1,
        "term_months": 12,
    },
    "moderator": {
        "name": gettext_lazy("Moderator"),
        "permissions": ["network.moderate"],
        "threshold_fraction": Decimal("0.25"),
        "threshold_cap": 2,
        "threshold_min": 1,
        "term_months": 6,
    },
    # Members who did the network's listener training: given by a passed proposal that names
    # them (trust alone says nothing about training), for a year at a time.
    "listener": {
        "name": gettext_lazy("Listener"),
        "permissions": ["care.listen"],
        "threshold_fraction": Decimal("0.1"),
        "threshold_cap": 2,
        "threshold_min": 1,
        "term_months": 12,
        "granted_by": "decision",
    },
}

assert all(set(r["permissions"]) <= ALL_PERMISSIONS for r in DEFAULT_ROLES.values())  # noqa: S101


def _founder_handover_coordinators() -> int:
    return int(settings.MUTUALAID.get("FOUNDER_HANDOVER_COORDINATORS", 2))


def _founder_handover_days() -> int:
    return int(settings.MUTUALAID.get("FOUNDER_HANDOVER_DAYS", 30))


def _default_role(*, network: Network, slug: str) -> Role:
    rule = DEFAULT_ROLES[slug]
    return Role(network=network, slug=slug, **{**rule, "name": str(rule["name"])})


@transaction.atomic
def governance_setup_network(*, network: Network) -> list[Role]:
    """Make sure the network has the default roles; returns all its roles. Safe to repeat."""
    existing = set(Role.objects.filter(network=network).values_list("slug", flat=True))
    missing = [slug for slug in DEFAULT_ROLES if slug not in existing]
    if missing:
        Role.objects.bulk_create(
            [_default_role(network=network, slug=slug) for slug in missing],
            ignore_conflicts=True,
        )
        history_record(actor=None, action="roles.setup", network=network, roles=missing)
    return list(Role.objects.filter(network=network))


@transaction.atomic
def roles_recompute(
    *, member: Member, actor: Member | None = None, reason: str = "recount"
) -> None:
    """Give the member every role of their network they are trusted enough for, and take away
    each one they no longer are, recording `role.gained` / `role.lost` with the count.

    A role whose term lapsed is not given back by a recount: renewing it is a decision. An
    inactive member holds no roles until they are back (their trust stays)."""
    network = member.network
    is_active = Member.objects.filter(pk=member.pk, inactive_since__isnull=True).exists()
    trusted_by = trust_received_count(member)
    active = active_member_count(network)
    now = timezone.now()
    gained_coordinator = False
    for role in governance_setup_network(network=network):
        needed = role.trust_needed(active)
        why = {"role": role.slug, "trust": trusted_by, "needed": needed, "reason": reason}
        if role.granted_by == Role.GrantedBy.DECISION:
            # Trust neither gives nor takes these; only going inactive ends them.
            if not is_active and RoleHolding.objects.filter(role=role, member=member).delete()[0]:
                history_record(
                    actor=actor, action="role.lost", target=member, network=network, **why
                )
            continue
        if is_active and trusted_by >= needed:
            if _role_grant(role=role, member=member, now=now):
                history_record(
                    actor=actor, action="role.gained", target=member, network=network, **why
                )
                gained_coordinator |= role.slug == COORDINATOR
        elif RoleHolding.objects.filter(role=role, member=member).delete()[0]:
            history_record(actor=actor, action="role.lost", target=member, network=network, **why)
    role_permissions_write(member=member, now=now)
    if gained_coordinator:
        for founder in Member.objects.filter(
            network=network, role=Member.Role.FOUNDING_ORGANISER
        ).select_related("network"):
            _founder_powers_end_if_due(founder=founder, now=now)


def role_permissions_write(*, member: Member, now: datetime | None = None) -> None:
    """Write on the membership what its current roles grant, for `can` to read: permission ->
    the latest end of a term that grants it, or None when one has no end. Every service that
    changes a member's holdings (or a role they hold) calls this, inside its transaction."""
    now = now or timezone.now()
    ends: dict[str, datetime | None] = {}
    holdings = RoleHolding.objects.filter(
        member=member, role__network_id=member.network_id, lapsed_at__isnull=True
    ).values_list("role__permissions", "expires_at")
    for permissions, expires_at in holdings:
        if expires_at is not None and expires_at <= now:
            continue  # its term ended; the sweep records the lapse
        for permission in permissions or []:
            known = ends.get(permission, now)
            if known is not None and (expires_at is None or expires_at > known):
                ends[permission] = expires_at  # the latest end wins; None is no end
    granted = {p: None if end is None else end.isoformat() for p, end in sorted(ends.items())}
    Member.objects.filter(pk=member.pk).update(role_permissions=granted)
    member.role_permissions = granted


def _role_grant(*, role: Role, member: Member, now: datetime) -> bool:
    """Hold the role from now; False when the member already holds it (or its term lapsed)."""
    expires_at = add_months(now, role.term_months) if role.term_months else None
    try:
        with transaction.atomic():
            RoleHolding.objects.create(
                role=role, member=member, granted_at=now, expires_at=expires_at
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def roles_expire_terms(*, now: datetime) -> int:
    """Holdings past their term lapse (recorded as `role.lost`); returns how many did."""
    due = RoleHolding.objects.filter(lapsed_at__isnull=True, expires_at__lte=now).select_related(
        "role", "member__network"
    )
    lapsed = 0
    for holding in due:
        if RoleHolding.objects.filter(pk=holding.pk, lapsed_at__isnull=True).update(lapsed_at=now):
            history_record(
                actor=None,
                action="role.lost",
                target=holding.member,
                network=holding.member.network,
                role=holding.role.slug,
                reason="term_lapsed",
            )
            role_permissions_write(member=holding.member, now=now)
            lapsed += 1
    return lapsed


TERM_REMINDER: Final = timedelta(days=14)


@transaction.atomic
def roles_remind_terms_ending(*, now: datetime) -> int:
    """Tell each holder once, two weeks ahead, that their term ends, so that the network can
    decide in time whether to renew it (a `role_renew` proposal). Returns how many were told."""
    due = RoleHolding.objects.filter(
        lapsed_at__isnull=True,
        term_reminded_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + TERM_REMINDER,
    ).select_related("role", "member__network")
    reminded = 0
    for holding in due:
        if not RoleHolding.objects.filter(pk=holding.pk, term_reminded_at__isnull=True).update(
            term_reminded_at=now
        ):
            continue
        history_record(
            actor=None,
            network=holding.member.network,
            action="role.term_ending",
            target=holding.member,
            role=holding.role.slug,
        )
        notice_send("role.term_ending", holding.pk)
        reminded += 1
    return reminded


@transaction.atomic
def founder_powers_sweep(*, now: datetime) -> int:
    """End each founding organiser's powers that are due to end; returns how many ended."""
    founders = Member.objects.filter(role=Member.Role.FOUNDING_ORGANISER).select_related("network")
    return sum(_founder_powers_end_if_due(founder=founder, now=now) for founder in founders)


def _founder_powers_end_if_due(*, founder: Member, now: datetime) -> bool:
    """The founder becomes a normal member once the network has enough coordinators or is old
    enough. A conditional update, so two sweeps end the powers (and record it) once."""
    network = founder.network
    coordinators = holdings_current(network=network, now=now).filter(role__slug=COORDINATOR)
    coordinator_count = coordinators.count()
    if coordinator_count >= _founder_handover_coordinators():
        why = "coordinators"
    elif now >= network.created_at + timedelta(days=_founder_handover_days()):
        why = "time"
    else:
        return False
    ended = Member.objects.filter(pk=founder.pk, role=Member.Role.FOUNDING_ORGANISER).update(
        role=Member.Role.MEMBER
    )
    if not ended:
        return False
    founder.role = Member.Role.MEMBER
    history_record(
        actor=None,
        action="founder.powers_ended",
        target=founder,
        network=network,
        reason=why,
        coordinators=coordinator_count,
    )
    return True


def _check_threshold(fraction: Decimal, cap: int, minimum: int) -> None:
    if not Decimal(0) <= fraction <= Decimal(1):
        raise InvalidInput(_("The share of members must be between 0 and 1."))
    if minimum < 1 or cap < minimum or cap > 1000:
        raise InvalidInput(_("The trust needed must be at least 1, and the cap at least that."))


def role_permissions_check(permissions: Sequence[str], granted_by: str) -> None:
    if not set(permissions) <= ALL_PERMISSIONS:
        raise InvalidInput(_("Some of these permissions do not exist."))
    if granted_by not in Role.GrantedBy.values:
        raise InvalidInput(_("A role is given by trust or by a decision."))
    # Trust says "I trust this person", not "they did the training": a permission that needs
    # training (listening) comes only with a role the network gives by decision.
    if granted_by == Role.GrantedBy.TRUST and set(permissions) & ROLE_ONLY_PERMISSIONS:
        raise InvalidInput(
            _("Listening needs training, so a role that allows it is given by decision, not trust.")
        )


@transaction.atomic
def role_create(
    *,
    network: Network,
    slug: str,
    name: str,
    permissions: list[str],
    threshold_fraction: Decimal,
    threshold_cap: int,
    threshold_min: int = 1,
    term_months: int | None = None,
    granted_by: str = Role.GrantedBy.TRUST,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> Role:
    """Create a role the network's members earn by trust, or one given by decision."""
    authorise_change(actor=actor, proposal=proposal, network=network)
    role_permissions_check(permissions, granted_by)
    _check_threshold(threshold_fraction, threshold_cap, threshold_min)
    try:
        with transaction.atomic():
            role = Role.objects.create(
                network=network,
                slug=slug,
                name=name,
                permissions=sorted(permissions),
                threshold_fraction=threshold_fraction,
                threshold_cap=threshold_cap,
                threshold_min=threshold_min,
                term_months=term_months,
                granted_by=granted_by,
            )
    except IntegrityError:
        raise Conflict(_("A role with this name already exists.")) from None
    history_record(
        actor=actor,
        network=network,
        action="role.create",
        target=role,
        **change_reason(proposal, reason),
    )
    _roles_recompute_all(network=network, actor=actor, reason="role.create")
    return role


@transaction.atomic
def role_change_threshold(
    *,
    role: Role,
    threshold_fraction: Decimal,
    threshold_cap: int,
    threshold_min: int,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> Role:
    """Set how much trust the role needs. The last change applied is the rule; each change
    records the values before and after."""
    network = role.network
    authorise_change(actor=actor, proposal=proposal, network=network)
    _check_threshold(threshold_fraction, threshold_cap, threshold_min)
    row = Role.objects.filter(pk=role.pk)
    # A write first, so that changes to one role queue here (on PostgreSQL as on SQLite) and
    # each one reads, as its "before", the value the previous change left.
    if not row.update(threshold_min=F("threshold_min")):
        raise NotFound(_("This role no longer exists."))
    old = row.values("threshold_fraction", "threshold_cap", "threshold_min").get()
    row.update(
        threshold_fraction=threshold_fraction,
        threshold_cap=threshold_cap,
        threshold_min=threshold_min,
    )
    role.refresh_from_db()
    history_record(
        actor=actor,
        network=network,
        action="role.threshold_changed",
        target=role,
        before={key: str(value) for key, value in old.items()},
        after={key: str(getattr(role, key)) for key in old},
        **change_reason(proposal, reason),
    )
    _roles_recompute_all(network=network, actor=actor, reason="role.threshold_changed")
    return role


@transaction.atomic
def role_renew(
    *,
    role: Role,
    member_ids: Sequence[int] | None = None,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> list[RoleHolding]:
    """Give the role's holders (all of them, or those named) a new full term from now. A
    holding whose term already lapsed is renewed too, if the member is still active and
    trusted enough: renewal is the decision a recount never makes. Refuses (Conflict) when
    nobody named can be renewed, so a decision never silently does nothing."""
    network = role.network
    authorise_change(actor=actor, proposal=proposal, network=network)
    if not role.term_months:
        raise Conflict(_("This role has no term, so there is nothing to renew."))
    now = timezone.now()
    expires_at = add_months(now, role.term_months)
    needed = role.trust_needed(active_member_count(network))
    holdings = RoleHolding.objects.filter(role=role).select_related("member")
    if member_ids is not None:
        holdings = holdings.filter(member_id__in=member_ids)
    renewed = []
    for holding in holdings.order_by("pk"):
        member = holding.member
        by_trust = role.granted_by == Role.GrantedBy.TRUST
        if member.inactive_since is not None or (
            by_trust and trust_received_count(member) < needed
        ):
            continue
        # Conditional on the holding still being the one read: a lapse or another renewal
        # in between wins, and this one skips it.
        if RoleHolding.objects.filter(
            pk=holding.pk, expires_at=holding.expires_at, lapsed_at=holding.lapsed_at
        ).update(expires_at=expires_at, lapsed_at=None, term_reminded_at=None):
            history_record(
                actor=actor,
                network=network,
                action="role.renewed",
                target=member,
                role=role.slug,
                expires_at=expires_at.isoformat(),
                **change_reason(proposal, reason),
            )
            role_permissions_write(member=member, now=now)
            renewed.append(holding)
    if not renewed:
        raise Conflict(_("Nobody who holds this role can be renewed any more."))
    return renewed


def _decision_role(role: Role, member: Member) -> None:
    if role.granted_by != Role.GrantedBy.DECISION:
        raise InvalidInput(_("This role is given by trust, not by a decision."))
    if member.network_id != role.network_id:
        raise InvalidInput(_("There is no member with that number in this network."))


@transaction.atomic
def role_grant_by_decision(
    *,
    role: Role,
    member: Member,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> RoleHolding:
    """Give a member a role that is given by decision (a trained listener), for a full term
    from now. A holding whose term lapsed starts again. Refused for a role given by trust,
    an inactive member, or one who holds it already."""
    authorise_change(actor=actor, proposal=proposal, network=role.network)
    _decision_role(role, member)
    if Member.objects.filter(pk=member.pk, inactive_since__isnull=False).exists():
        raise Conflict(
            _("%(name)s is inactive; they can be named once they are back.")
            % {"name": member.display_name}
        )
    now = timezone.now()
    expires_at = add_months(now, role.term_months) if role.term_months else None
    if not _role_grant(role=role, member=member, now=now):
        restarted = RoleHolding.objects.filter(
            role=role, member=member, lapsed_at__isnull=False
        ).update(granted_at=now, expires_at=expires_at, lapsed_at=None, term_reminded_at=None)
        if not restarted:
            raise Conflict(_("%(name)s already holds this role.") % {"name": member.display_name})
    history_record(
        actor=actor,
        network=role.network,
        action="role.gained",
        target=member,
        role=role.slug,
        **change_reason(proposal, reason or "decision"),
    )
    role_permissions_write(member=member)
    return RoleHolding.objects.get(role=role, member=member)


@transaction.atomic
def role_remove_by_decision(
    *,
    role: Role,
    member: Member,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> None:
    """Take a role given by decision away from a member; their access ends at once."""
    authorise_change(actor=actor, proposal=proposal, network=role.network)
    _decision_role(role, member)
    if not RoleHolding.objects.filter(role=role, member=member).delete()[0]:
        raise Conflict(_("%(name)s does not hold this role.") % {"name": member.display_name})
    history_record(
        actor=actor,
        network=role.network,
        action="role.lost",
        target=member,
        role=role.slug,
        **change_reason(proposal, reason or "decision"),
    )
    role_permissions_write(member=member)


@transaction.atomic
def roles_recount_after_join(*, network: Network) -> None:
    """A new member raises thresholds that grow with the network, so current holders are
    counted again. (Nobody gains a role by someone else joining, so only holders need it.)"""
    holders = Member.objects.filter(
        network=network, role_holdings__in=holdings_current(network=network)
    ).distinct()
    for member in holders.select_related("network"):
        roles_recompute(member=member, reason="member.joined")


@transaction.atomic
def roles_recount_network(*, network: Network, reason: str) -> None:
    """Count every member's roles again, after the number of active members changed."""
    _roles_recompute_all(network=network, actor=None, reason=reason)


def _roles_recompute_all(*, network: Network, actor: Member | None, reason: str) -> None:
    for member in Member.objects.filter(network=network).select_related("network"):
        roles_recompute(member=member, actor=actor, reason=reason)
