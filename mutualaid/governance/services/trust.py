"""Members give and take back trust; each change recounts the receiver's roles."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from mutualaid.core.history import history_record
from mutualaid.governance.models import (
    Trust,
)
from mutualaid.governance.services.roles import roles_recompute
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import (
    require,
)


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
