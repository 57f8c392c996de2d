"""Every write about trust and roles.

Members give and take back trust; each change recounts the receiver's roles. A role is held
while enough members trust its holder (the role's threshold) and, for roles with a term, until
the term lapses. The founding organiser's powers are a bridge: they end once the network has
its own coordinators, or after a month, whichever comes first.
"""

import calendar
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.notices import notice_send
from mutualaid.core.validation import clean_text
from mutualaid.governance import actions, voting
from mutualaid.governance.models import (
    Agreement,
    AgreementVersion,
    Proposal,
    ProposalComment,
    Role,
    RoleHolding,
    Trust,
    Vote,
)
from mutualaid.governance.notices import outcome_kind
from mutualaid.governance.selectors import (
    active_member_count,
    holdings_current,
    trust_received_count,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import (
    ALL_PERMISSIONS,
    ROLE_ONLY_PERMISSIONS,
    require,
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


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


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


def _check_trust_pair(actor: Member, receiver: Member) -> None:
    if receiver.pk == actor.pk:
        raise InvalidInput(_("You cannot give trust to yourself."))
    if receiver.network_id != actor.network_id:
        raise InvalidInput(_("You can only trust members of your own network."))


@transaction.atomic
def trust_give(*, actor: Member, receiver: Member) -> Trust:
    """The actor trusts the receiver, once. The receiver may gain roles at once."""
    require(actor, "trust.give", actor.network)
    _check_trust_pair(actor, receiver)
    try:
        with transaction.atomic():
            trust = Trust.objects.create(
                network_id=actor.network_id, giver=actor, receiver=receiver
            )
    except IntegrityError:
        raise Conflict(_("You already trust %(name)s.") % {"name": receiver.display_name}) from None
    history_record(actor=actor, action="trust.give", target=receiver)
    roles_recompute(member=receiver, actor=actor, reason="trust.give")
    return trust


@transaction.atomic
def trust_revoke(*, actor: Member, receiver: Member) -> None:
    """The actor takes back their trust. The receiver may lose roles at once.

    Taking back one's own trust needs no permission beyond having given it: a member whose
    powers shrink must still be able to withdraw their support."""
    deleted, _rows = Trust.objects.filter(giver=actor, receiver=receiver).delete()
    if not deleted:
        raise NotFound(
            _("You have not given %(name)s your trust, so there is none to take back.")
            % {"name": receiver.display_name}
        )
    history_record(actor=actor, action="trust.revoke", target=receiver)
    roles_recompute(member=receiver, actor=actor, reason="trust.revoke")


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
    expires_at = _add_months(now, role.term_months) if role.term_months else None
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


# --- decisions' targets: roles, agreements, disaster mode ---------------------------------------
# Each takes either an acting member (checked with `require`) or the passed proposal that
# decided it: a decision of the network needs no one's personal permission.


def _authorise(*, actor: Member | None, proposal: Proposal | None, network: Network) -> None:
    if proposal is not None:
        if proposal.network_id != network.pk or proposal.status != Proposal.Status.PASSED:
            raise PermissionDenied()
        return
    require(actor, "network.manage", network)


def _why(proposal: Proposal | None, reason: str) -> dict[str, Any]:
    return {"proposal": proposal.pk if proposal else None, "reason": reason}


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
    _authorise(actor=actor, proposal=proposal, network=network)
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
        actor=actor, network=network, action="role.create", target=role, **_why(proposal, reason)
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
    _authorise(actor=actor, proposal=proposal, network=network)
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
        **_why(proposal, reason),
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
    _authorise(actor=actor, proposal=proposal, network=network)
    if not role.term_months:
        raise Conflict(_("This role has no term, so there is nothing to renew."))
    now = timezone.now()
    expires_at = _add_months(now, role.term_months)
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
                **_why(proposal, reason),
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
    _authorise(actor=actor, proposal=proposal, network=role.network)
    _decision_role(role, member)
    if Member.objects.filter(pk=member.pk, inactive_since__isnull=False).exists():
        raise Conflict(
            _("%(name)s is inactive; they can be named once they are back.")
            % {"name": member.display_name}
        )
    now = timezone.now()
    expires_at = _add_months(now, role.term_months) if role.term_months else None
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
        **_why(proposal, reason or "decision"),
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
    _authorise(actor=actor, proposal=proposal, network=role.network)
    _decision_role(role, member)
    if not RoleHolding.objects.filter(role=role, member=member).delete()[0]:
        raise Conflict(_("%(name)s does not hold this role.") % {"name": member.display_name})
    history_record(
        actor=actor,
        network=role.network,
        action="role.lost",
        target=member,
        role=role.slug,
        **_why(proposal, reason or "decision"),
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


@transaction.atomic
def network_disaster_mode_set(
    *,
    network: Network,
    on: bool,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> Network:
    """Switch the network into disaster mode, or back."""
    _authorise(actor=actor, proposal=proposal, network=network)
    if not Network.objects.filter(pk=network.pk, disaster_mode=not on).update(disaster_mode=on):
        raise Conflict(
            _("The network is already in disaster mode.")
            if on
            else _("The network is not in disaster mode.")
        )
    network.disaster_mode = on
    history_record(
        actor=actor,
        network=network,
        action="network.disaster_mode",
        target=network,
        on=on,
        **_why(proposal, reason),
    )
    return network


@transaction.atomic
def agreement_adopt(
    *,
    network: Network,
    slug: str,
    title: str,
    text: str,
    review_on: date | None,
    expected_version: int | None = None,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> AgreementVersion:
    """Adopt a new version of an agreement, creating the agreement on its first version.
    Renewal is a new version with the same text and a new review date. With `expected_version`
    (the latest version when the decision was opened), a version adopted meanwhile refuses."""
    _authorise(actor=actor, proposal=proposal, network=network)
    agreement, _created = Agreement.objects.get_or_create(
        network=network, slug=slug, defaults={"title": title}
    )
    latest = agreement.versions.aggregate(n=Max("number"))["n"] or 0
    if expected_version is not None and latest != expected_version:
        raise Conflict(
            _("This agreement changed since the proposal was opened (now version %(n)s).")
            % {"n": latest}
        )
    try:
        with transaction.atomic():
            version = AgreementVersion.objects.create(
                agreement=agreement,
                number=latest + 1,
                text=text,
                adopted_at=timezone.now(),
                review_on=review_on,
                adopted_by_proposal=proposal,
            )
    except IntegrityError:
        raise Conflict() from None
    history_record(
        actor=actor,
        network=network,
        action="agreement.adopt",
        target=agreement,
        version=version.number,
        review_on=review_on.isoformat() if review_on else None,
        **_why(proposal, reason),
    )
    return version


def agreement_create(
    *, actor: Member, slug: str, title: str, text: str, review_on: date | None
) -> AgreementVersion:
    """A member who may manage the network writes an agreement's first version. Later versions
    are decisions: an `agreement_adopt` proposal."""
    require(actor, "network.manage", actor.network)
    if Agreement.objects.filter(network_id=actor.network_id, slug=slug).exists():
        raise Conflict(_("This agreement exists already; propose a new version instead."))
    return agreement_adopt(
        network=actor.network,
        slug=slug,
        title=title,
        text=text,
        review_on=review_on,
        expected_version=0,
        actor=actor,
        reason="first version",
    )


@transaction.atomic
def agreement_reviews_remind(*, today: date) -> int:
    """Remind members once of each current agreement version due for review within 14 days."""
    due = AgreementVersion.objects.filter(
        review_reminded_at__isnull=True,
        review_on__isnull=False,
        review_on__lte=today + timedelta(days=14),
    ).select_related("agreement__network")
    reminded = 0
    for version in due:
        if version.agreement.versions.filter(number__gt=version.number).exists():
            continue  # a newer version replaced it
        if not AgreementVersion.objects.filter(
            pk=version.pk, review_reminded_at__isnull=True
        ).update(review_reminded_at=timezone.now()):
            continue
        history_record(
            actor=None,
            network=version.agreement.network,
            action="agreement.review_reminded",
            target=version.agreement,
            version=version.number,
        )
        notice_send("agreement.review_due", version.pk)
        reminded += 1
    return reminded


# --- proposals --------------------------------------------------------------------------------

BALLOT_CHOICES: Final[dict[str, frozenset[str]]] = {
    Proposal.Method.CONSENT: frozenset(voting.ConsentChoice),
    Proposal.Method.CONSENSUS: frozenset(voting.ConsensusChoice),
    Proposal.Method.MAJORITY: frozenset(voting.MajorityChoice),
}
MAX_SCORE: Final = 5
CLOSED = gettext_lazy("Voting has closed on this proposal.")


def _clean_options(method: str, options: Sequence[str]) -> list[str]:
    if method not in (Proposal.Method.RANKED, Proposal.Method.SCORE):
        if options:
            raise InvalidInput(_("Only ranked and score votes have options."))
        return []
    cleaned = [clean_text(option, field="options", max_length=120) for option in options]
    if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned) or len(cleaned) > 20:
        raise InvalidInput(_("Give between 2 and 20 different options."))
    return cleaned


@transaction.atomic
def proposal_open(
    *,
    actor: Member,
    title: str,
    body: str,
    method: str,
    deadline: datetime,
    options: Sequence[str] = (),
    action: dict[str, Any] | None = None,
    quorum: int | None = None,
    anonymous: bool = False,
    review_on: date | None = None,
    opens_at: datetime | None = None,
) -> Proposal:
    """Put a question to the actor's network. An action is checked now (and again when it is
    applied); members are told once the proposal is saved."""
    network = actor.network
    require(actor, "proposal.open", network)
    if method not in Proposal.Method.values:
        raise InvalidInput(_("Choose how the network decides."))
    opens_at = opens_at or timezone.now()
    if deadline <= opens_at:
        raise InvalidInput(_("The deadline must be after the proposal opens."))
    if quorum is not None and quorum < 1:
        raise InvalidInput(_("A quorum must be at least 1 vote."))
    cleaned_action = actions.action_clean(network=network, action=action or {})
    if cleaned_action and method in (Proposal.Method.RANKED, Proposal.Method.SCORE):
        raise InvalidInput(_("A proposal with an action is decided by consent, consensus or vote."))
    proposal = Proposal.objects.create(
        network=network,
        author=actor,
        title=clean_text(title, field="title", max_length=120),
        body=clean_text(body, field="body", max_length=4000, required=False),
        method=method,
        options=_clean_options(method, options),
        action=cleaned_action,
        opens_at=opens_at,
        deadline=deadline,
        quorum=quorum,
        anonymous=anonymous,
        review_on=review_on,
    )
    history_record(
        actor=actor,
        action="proposal.open",
        target=proposal,
        method=method,
        action_type=cleaned_action.get("type", ""),
    )
    notice_send("proposal.opened", proposal.pk)
    return proposal


def _clean_ballot(
    proposal: Proposal, choice: str, ranking: Sequence[str] | None, scores: dict[str, int] | None
) -> dict[str, Any]:
    method = proposal.method
    if method in BALLOT_CHOICES:
        if choice not in BALLOT_CHOICES[method]:
            raise InvalidInput(
                _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(sorted(BALLOT_CHOICES[method]))}
            )
        return {"choice": choice}
    options = set(proposal.options)
    if method == Proposal.Method.RANKED:
        ranked = list(ranking or [])
        if not ranked or len(set(ranked)) != len(ranked) or not set(ranked) <= options:
            raise InvalidInput(_("Rank some of the options, each once."))
        return {"ranking": ranked}
    given = dict(scores or {})
    valid = all(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SCORE
        for value in given.values()
    )
    if not given or not set(given) <= options or not valid:
        raise InvalidInput(
            _("Score the options with whole numbers from 0 to %(max)s.") % {"max": MAX_SCORE}
        )
    return {"scores": given}


@transaction.atomic
def proposal_vote(
    *,
    actor: Member | None,
    proposal: Proposal,
    choice: str = "",
    ranking: Sequence[str] | None = None,
    scores: dict[str, int] | None = None,
    reason: str = "",
) -> Vote:
    """Cast the actor's one ballot while voting is open.

    Whether voting is still open is decided in the database, by a conditional write on the
    proposal that the closer's own conditional write queues behind: a vote either counts or
    is refused with "voting has closed", never both."""
    if actor is None or actor.network_id != proposal.network_id:
        raise NotFound()  # the same answer for a missing proposal and another network's
    require(actor, "proposal.vote", proposal.network)
    ballot = _clean_ballot(proposal, choice, ranking, scores)
    reason = clean_text(reason, field="reason", max_length=1000, required=False)
    now = timezone.now()
    still_open = Proposal.objects.filter(
        pk=proposal.pk, status=Proposal.Status.OPEN, opens_at__lte=now, deadline__gt=now
    ).update(updated_at=now)
    if not still_open:
        if Proposal.objects.filter(pk=proposal.pk, opens_at__gt=now).exists():
            raise Conflict(_("Voting on this proposal has not opened yet."))
        raise Conflict(CLOSED)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(proposal=proposal, voter=actor, reason=reason, **ballot)
    except IntegrityError:
        raise Conflict(_("You have already voted on this proposal.")) from None
    # An anonymous proposal's history says that a member voted, never who nor how: with the
    # tally published, a voter named beside the entry could be paired with a choice.
    if proposal.anonymous:
        history_record(
            actor=None,
            network=proposal.network,
            action="proposal.vote",
            target=proposal,
            anonymous=True,
        )
    else:
        history_record(actor=actor, action="proposal.vote", target=proposal, **ballot)
    return vote


@transaction.atomic
def proposal_comment(*, actor: Member, proposal: Proposal, body: str) -> ProposalComment:
    """Add to the proposal's discussion."""
    if actor.network_id != proposal.network_id:
        raise NotFound()
    require(actor, "proposal.comment", proposal.network)
    comment = ProposalComment.objects.create(
        proposal=proposal,
        author=actor,
        body=clean_text(body, field="body", max_length=4000),
    )
    history_record(actor=actor, action="proposal.comment", target=proposal)
    return comment


@transaction.atomic
def proposal_withdraw(*, actor: Member, proposal: Proposal, reason: str = "") -> Proposal:
    """The author takes their proposal back, while nobody has voted on it yet."""
    if actor.network_id != proposal.network_id:
        raise NotFound()
    if proposal.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can withdraw a proposal."))
    withdrawn = (
        Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.OPEN)
        .exclude(Exists(Vote.objects.filter(proposal=OuterRef("pk"))))
        .update(status=Proposal.Status.WITHDRAWN, updated_at=timezone.now())
    )
    if not withdrawn:
        raise Conflict(_("A proposal can be withdrawn only while it is open and has no votes."))
    history_record(actor=actor, action="proposal.withdraw", target=proposal, reason=reason)
    proposal.refresh_from_db()
    return proposal


def _count(proposal: Proposal) -> voting.Outcome:
    votes = list(proposal.votes.all())
    method, quorum = proposal.method, proposal.quorum
    if method == Proposal.Method.CONSENT:
        return voting.count_consent([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.CONSENSUS:
        return voting.count_consensus([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.MAJORITY:
        return voting.count_majority([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.RANKED:
        return voting.count_ranked_choice(
            [v.ranking for v in votes], options=proposal.options, quorum=quorum
        )
    return voting.count_score(
        [v.scores for v in votes], options=proposal.options, max_score=MAX_SCORE, quorum=quorum
    )


def _status_for(outcome: voting.Outcome) -> str:
    if outcome.passed is None:
        return Proposal.Status.UNDECIDED
    return Proposal.Status.PASSED if outcome.passed else Proposal.Status.REJECTED


@transaction.atomic
def proposal_close(*, proposal: Proposal, now: datetime) -> Proposal:
    """Count a proposal whose deadline has passed and record the outcome; apply its action if
    it passed. Only one closer wins; an action that cannot apply any more leaves nothing
    changed and the proposal `apply_failed` with the reason."""
    # Claim the proposal first: this write queues behind any vote still being written, and
    # any vote after it finds the proposal closed. Counting comes after, so it sees them all.
    claimed = Proposal.objects.filter(
        pk=proposal.pk, status=Proposal.Status.OPEN, deadline__lte=now
    ).update(status=Proposal.Status.UNDECIDED, updated_at=now)
    if not claimed:
        raise Conflict(_("This proposal is not open, or its deadline has not passed."))
    proposal.refresh_from_db()
    outcome = _count(proposal)
    proposal.status = _status_for(outcome)
    proposal.outcome = asdict(outcome)
    if proposal.status == Proposal.Status.PASSED and proposal.action:
        _apply_action(proposal=proposal, now=now)
    proposal.save(update_fields=["status", "outcome", "apply_error", "applied_at", "updated_at"])
    history_record(
        actor=None,
        network=proposal.network,
        action="proposal.close",
        target=proposal,
        status=proposal.status,
        reason=str(outcome.reason),
        apply_error=proposal.apply_error,
    )
    kind = outcome_kind(proposal.status)
    if kind is not None:
        notice_send(kind, proposal.pk)
    return proposal


def _apply_action(*, proposal: Proposal, now: datetime) -> None:
    """Apply inside a savepoint: all of it, or (on any refusal) none of it."""
    try:
        with transaction.atomic():
            actions.action_apply(proposal=proposal)
    except DomainError as error:
        proposal.status = Proposal.Status.APPLY_FAILED
        proposal.apply_error = error.message
    except ObjectDoesNotExist:
        proposal.status = Proposal.Status.APPLY_FAILED
        proposal.apply_error = str(_("What this proposal would change no longer exists."))
    else:
        proposal.applied_at = now


CLOSING_SOON: Final = timedelta(hours=24)


@transaction.atomic
def proposals_remind_closing(*, now: datetime) -> int:
    """Tell members who have not voted yet, once, that a proposal closes within a day."""
    soon = Proposal.objects.filter(
        status=Proposal.Status.OPEN,
        closing_reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + CLOSING_SOON,
    ).select_related("network")
    reminded = 0
    for proposal in soon:
        if not Proposal.objects.filter(pk=proposal.pk, closing_reminded_at__isnull=True).update(
            closing_reminded_at=now
        ):
            continue
        history_record(
            actor=None, network=proposal.network, action="proposal.closing_soon", target=proposal
        )
        notice_send("proposal.closing", proposal.pk)
        reminded += 1
    return reminded


def proposals_close_due(*, now: datetime) -> int:
    """Close every open proposal past its deadline, each in its own transaction; returns how
    many this call closed (another closer may win some)."""
    closed = 0
    due = Proposal.objects.filter(status=Proposal.Status.OPEN, deadline__lte=now)
    for proposal in due.select_related("network").order_by("deadline", "pk"):
        try:
            proposal_close(proposal=proposal, now=now)
        except Conflict:
            continue
        closed += 1
    return closed
