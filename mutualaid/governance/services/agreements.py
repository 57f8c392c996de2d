"""Agreements: versions adopted by a manager (the first) or by a decision, and their reviews."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
)
from mutualaid.core.history import history_record
from mutualaid.governance.models import (
    Agreement,
    AgreementVersion,
    Proposal,
)
from mutualaid.governance.services.authority import authorise_change, change_reason
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import (
    require,
)


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
    authorise_change(actor=actor, proposal=proposal, network=network)
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
        **change_reason(proposal, reason),
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
