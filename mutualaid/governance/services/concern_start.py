"""How a concern starts: raised by a member, or by the network's decision (a passed
`concern_start` proposal). The affected member is told and can answer; the process that
follows (votes, rounds, the decision) is in `concerns`.

This module does not import `concerns`, so `decisions` can start a concern without reaching
the removal of a member.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.governance.models import (
    Concern,
    Proposal,
)
from mutualaid.governance.selectors import (
    conflict_policy,
)
from mutualaid.networks.models import Member, Network


@transaction.atomic
def concern_raise(*, actor: Member, about: Member, text: str) -> Concern:
    """Raise a concern about another member's conduct; the affected member is told by email."""
    if about.network_id != actor.network_id:
        raise NotFound()  # another network's members are not visible at all
    if about.pk == actor.pk:
        raise InvalidInput(_("You cannot raise a concern about yourself."))
    return _concern_create(network=actor.network, about=about, text=text, raiser=actor)


@transaction.atomic
def concern_start_by_decision(*, proposal: Proposal, about: Member, text: str) -> Concern:
    """Start the process because the network decided so (a passed proposal). The network is
    the raiser, so the proposal is shown as where it came from; refuses a member who left."""
    if proposal.status != Proposal.Status.PASSED or about.network_id != proposal.network_id:
        raise PermissionDenied()
    if not Member.objects.filter(pk=about.pk, network_id=proposal.network_id).exists():
        raise NotFound(_("This member has already left the network."))
    return _concern_create(network=proposal.network, about=about, text=text, proposal=proposal)


def _concern_create(
    *,
    network: Network,
    about: Member,
    text: str,
    raiser: Member | None = None,
    proposal: Proposal | None = None,
) -> Concern:
    text = clean_text(text, field="text", max_length=4000)
    policy = conflict_policy(network)
    concern = Concern.objects.create(
        network=network,
        raised_by=raiser,
        raised_by_proposal=proposal,
        about=about,
        text=text,
        answer_deadline=timezone.now() + timedelta(days=policy.answer_days),
        show_raiser=policy.show_raiser or proposal is not None,
        anonymous=policy.anonymous_votes,
    )
    hidden = raiser is not None and not concern.show_raiser
    history_record(
        actor=None if hidden else raiser,
        network=network,
        action="concern.raise",
        target=concern,
        status=concern.status,
        **({"anonymous": True} if hidden else {}),
        **({"proposal": proposal.pk, "reason": f"proposal {proposal.pk}"} if proposal else {}),
    )
    notice_send("concern.raised", concern.pk)
    return concern
