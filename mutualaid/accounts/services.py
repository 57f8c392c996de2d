"""Writes about a person's whole account, across every network they belong to."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mutualaid.core.history import history_record
from mutualaid.core.notices import notice_send
from mutualaid.fund.services import fund_member_leaving
from mutualaid.library.services import library_member_leaving
from mutualaid.needs.models import (
    LIVE_STATES,
    OPEN_MATCH_STATES,
    AnonymousTally,
    Match,
    Need,
    Offer,
)
from mutualaid.networks.models import Application, Member


def _tally(member: Member) -> None:
    """Keep bare per-category counts of what the member asked for and gave."""
    asked: dict[str, int] = {}
    given: dict[str, int] = {}
    for slug in Need.objects.filter(requester=member).values_list("category__slug", flat=True):
        asked[slug] = asked.get(slug, 0) + 1
    for slug in Match.objects.filter(helper=member, state=Match.State.DONE).values_list(
        "need__category__slug", flat=True
    ):
        given[slug] = given.get(slug, 0) + 1
    for slug in asked.keys() | given.keys():
        tally, _created = AnonymousTally.objects.get_or_create(
            network=member.network, category_slug=slug
        )
        AnonymousTally.objects.filter(pk=tally.pk).update(
            needs_asked=F("needs_asked") + asked.get(slug, 0),
            helps_given=F("helps_given") + given.get(slug, 0),
        )


def _step_back_from_live_matches(member: Member) -> None:
    """Cancel the departing helper's live matches so their requesters' needs open again."""
    for match in Match.objects.filter(helper=member, state__in=LIVE_STATES):
        Match.objects.filter(pk=match.pk, state=match.state).update(
            state=Match.State.CANCELLED, cancelled_by=Match.Side.HELPER, updated_at=timezone.now()
        )
        if match.state in OPEN_MATCH_STATES:
            Need.objects.filter(pk=match.need_id, status=Need.Status.MATCHED).update(
                status=Need.Status.OPEN, updated_at=timezone.now()
            )
        notice_send("match.cancelled", match.pk)


def _forget_admin_log(user: User) -> None:
    """Drop the admin log's entries about the person's rows: they repeat names and words."""
    owned = {
        Member: Member.objects.filter(user=user),
        Application: Application.objects.filter(user=user),
        Need: Need.objects.filter(requester__user=user),
        Offer: Offer.objects.filter(helper__user=user),
    }
    for model, rows in owned.items():
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in rows.values_list("pk", flat=True)],
        ).delete()


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person and their personal data everywhere.

    Their needs, offers, profiles, tokens, applications and sign-in records go. Matches where
    they helped someone else stay for that person's record, without the helper's words or
    identity. Their comments on proposals go too. Each network keeps only anonymous counts of
    what they asked for and gave, and counts everyone's roles again without their trust.
    """
    from mutualaid.governance.models import ProposalComment
    from mutualaid.governance.services import roles_recount_network

    networks = []
    for member in Member.objects.filter(user_id=user.pk).select_related("network"):
        _tally(member)
        _step_back_from_live_matches(member)
        library_member_leaving(member=member)
        fund_member_leaving(member=member)
        Match.objects.filter(helper=member).update(message="", release_reason="", cancel_reason="")
        ProposalComment.objects.filter(author=member).delete()
        history_record(actor=None, network=member.network, action="member.delete_account")
        networks.append(member.network)
    _forget_admin_log(user)
    user.delete()
    for network in networks:
        roles_recount_network(network=network, reason="member.delete_account")
