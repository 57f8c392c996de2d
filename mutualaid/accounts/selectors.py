"""Everything mutualaid holds about one person, in one place.

`account_data_export` is the data inventory: the "download my data" page returns exactly
this, and tests check that it lists only fields documented in docs/privacy.md and that no
personal field in the database is missing from it.
"""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.db.models import Q

from mutualaid.care.listening.selectors import listening_data_export
from mutualaid.care.selectors import care_data_export
from mutualaid.care.teams.selectors import care_teams_data_export
from mutualaid.channels.selectors import channels_data_export
from mutualaid.core.models import HistoryEntry
from mutualaid.fund.selectors import fund_data_export
from mutualaid.governance.models import ConcernVote, ProposalComment, RoleHolding, Trust, Vote
from mutualaid.library.selectors import library_data_export
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Application, ApplicationVote, Member
from mutualaid.pantry.selectors import pantry_data_export
from mutualaid.relay.selectors import relay_data_export
from mutualaid.sms.selectors import sms_data_export


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _need(need: Need) -> dict[str, Any]:
    return {
        "id": need.pk,
        "category": need.category.slug,
        "description": need.description,
        "urgency": need.urgency,
        "window_start": _iso(need.window_start),
        "window_end": _iso(need.window_end),
        "cell": need.cell,
        "languages": need.languages,
        "address": need.address or "",
        "phone": need.phone or "",
        "for_someone_else": need.for_someone_else,
        "status": need.status,
        "still_needed_asked_at": _iso(need.still_needed_asked_at),
        "created_at": _iso(need.created_at),
        "updated_at": _iso(need.updated_at),
    }


def _offer(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "kind": offer.kind,
        "category": offer.category.slug if offer.category else None,
        "title": offer.title,
        "description": offer.description,
        "capacity": offer.capacity,
        "availability": offer.availability,
        "radius_km": offer.radius_km,
        "cell": offer.cell,
        "status": offer.status,
        "created_at": _iso(offer.created_at),
        "updated_at": _iso(offer.updated_at),
    }


def _match(match: Match, member: Member) -> dict[str, Any]:
    return {
        "id": match.pk,
        "need": match.need_id,
        "offer": match.offer_id,
        "my_side": "helper" if match.helper_id == member.pk else "requester",
        "state": match.state,
        "message": match.message,
        "release_reason": match.release_reason,
        "cancel_reason": match.cancel_reason,
        "cancelled_by": match.cancelled_by,
        "requester_confirmed_done": match.requester_confirmed_done,
        "helper_confirmed_done": match.helper_confirmed_done,
        "created_at": _iso(match.created_at),
        "updated_at": _iso(match.updated_at),
        "accepted_at": _iso(match.accepted_at),
        "done_at": _iso(match.done_at),
    }


def _membership(member: Member) -> dict[str, Any]:
    return {
        "network": member.network.slug,
        "role": member.role,
        "display_name": member.display_name,
        "languages": member.languages,
        "skills": [skill.slug for skill in member.skills.all()],
        "free_tags": member.free_tags,
        "accessibility_needs": member.accessibility_needs or "",
        "cell": member.cell,
        "availability": member.availability,
        "weekly_task_cap": member.weekly_task_cap,
        "travel_radius_km": member.travel_radius_km,
        "contact_preference": member.contact_preference,
        "phone": member.phone or "",
        "joined_at": _iso(member.joined_at),
        "last_active_at": _iso(member.last_active_at),
        "inactivity_warned_at": _iso(member.inactivity_warned_at),
        "inactive_since": _iso(member.inactive_since),
        "needs": [
            _need(n) for n in Need.objects.filter(requester=member).select_related("category")
        ],
        "offers": [
            _offer(o) for o in Offer.objects.filter(helper=member).select_related("category")
        ],
        "matches": [
            _match(m, member)
            for m in Match.objects.filter(Q(helper=member) | Q(need__requester=member))
        ],
        "application_votes": [
            {
                "application": v.application_id,
                "decision": v.decision,
                "created_at": _iso(v.created_at),
            }
            for v in ApplicationVote.objects.filter(voter=member)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
            }
            for t in member.api_tokens.all()
        ],
        **_governance(member),
        **library_data_export(member=member),
        **fund_data_export(member=member),
        **care_data_export(member=member),
        **listening_data_export(member=member),
        **care_teams_data_export(member=member),
        **pantry_data_export(member=member),
        **channels_data_export(member=member),
        **sms_data_export(member=member),
        **relay_data_export(member=member),
        "history": [
            {
                "action": h.action,
                "target_type": h.target_type,
                "target_id": h.target_id,
                "data": h.data,
                "created_at": _iso(h.created_at),
            }
            for h in HistoryEntry.objects.filter(actor=member)
        ],
    }


def _governance(member: Member) -> dict[str, Any]:
    """The member's own part in deciding together: whom they trust, the roles they hold, their
    ballots and comments on proposals, and their votes on concerns (only they ever see those)."""
    return {
        "trust_given": [
            {"member": t.receiver_id, "created_at": _iso(t.created_at)}
            for t in Trust.objects.filter(giver=member).order_by("created_at")
        ],
        "roles": [
            {
                "role": h.role.slug,
                "granted_at": _iso(h.granted_at),
                "expires_at": _iso(h.expires_at),
                "lapsed_at": _iso(h.lapsed_at),
                "term_reminded_at": _iso(h.term_reminded_at),
            }
            for h in RoleHolding.objects.filter(member=member).select_related("role")
        ],
        "proposal_votes": [
            {
                "proposal": v.proposal_id,
                "choice": v.choice,
                "ranking": v.ranking,
                "scores": v.scores,
                "reason": v.reason,
                "created_at": _iso(v.created_at),
            }
            for v in Vote.objects.filter(voter=member).order_by("created_at")
        ],
        "proposal_comments": [
            {"proposal": c.proposal_id, "body": c.body, "created_at": _iso(c.created_at)}
            for c in ProposalComment.objects.filter(author=member).order_by("created_at")
        ],
        "concern_votes": [
            {
                "concern": v.round.concern_id,
                "round": v.round.number,
                "choice": v.choice,
                "created_at": _iso(v.created_at),
            }
            for v in ConcernVote.objects.filter(voter=member).select_related("round")
        ],
    }


def account_data_export(*, user: User) -> dict[str, Any]:
    """All data held about `user`, as JSON-ready dicts. Sensitive fields are decrypted: this is
    the person's own data, returned only to them."""
    return {
        "account": {
            "email": getattr(user, "email", ""),
            "username": user.get_username(),
            "date_joined": _iso(getattr(user, "date_joined", None)),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user_id=user.pk)
            ],
            "two_factor": [
                {
                    "type": a.type,
                    "created_at": _iso(a.created_at),
                    "last_used_at": _iso(a.last_used_at),
                }
                for a in Authenticator.objects.filter(user_id=user.pk)
            ],
        },
        "applications": [
            {
                "network": a.network.slug,
                "display_name": a.display_name,
                "answers": a.answers,
                "status": a.status,
                "created_at": _iso(a.created_at),
                "decided_at": _iso(a.decided_at),
            }
            for a in Application.objects.filter(user_id=user.pk).select_related("network")
        ],
        "memberships": [
            _membership(m)
            for m in Member.objects.filter(user_id=user.pk)
            .select_related("network")
            .prefetch_related("skills", "api_tokens")
        ],
    }


def user_by_email(email: str) -> User | None:
    """The sign-in account with this email address (any case), if there is one."""
    return User.objects.filter(email__iexact=email).first()
