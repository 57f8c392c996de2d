"""What happens to needs and matches when a member leaves a network (see membership)."""

from django.db.models import F
from django.utils import timezone

from mutualaid.channels.services import notice_send
from mutualaid.needs.models import LIVE_STATES, OPEN_MATCH_STATES, AnonymousTally, Match, Need
from mutualaid.networks.models import Member
from mutualaid.relay.services import relay_close


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
    """Cancel the departing helper's live matches (asks included) so their requesters' needs
    open again, and tell the requesters."""
    for match in Match.objects.filter(helper=member, state__in=LIVE_STATES):
        Match.objects.filter(pk=match.pk, state=match.state).update(
            state=Match.State.CANCELLED, cancelled_by=Match.Side.HELPER, updated_at=timezone.now()
        )
        if match.state in OPEN_MATCH_STATES:
            Need.objects.filter(pk=match.need_id, status=Need.Status.MATCHED).update(
                status=Need.Status.OPEN, updated_at=timezone.now()
            )
        relay_close(match_id=match.pk)
        notice_send("match.cancelled", match.pk)


def needs_member_leaving(*, member: Member) -> None:
    """The network keeps anonymous counts of what they asked for and gave; their live matches
    as a helper are called off (their requesters' needs open again); matches where they helped
    stay in the requesters' record without their words. Their own needs, offers and blocks go
    with the membership."""
    _tally(member)
    _step_back_from_live_matches(member)
    Match.objects.filter(helper=member).update(message="", release_reason="", cancel_reason="")
