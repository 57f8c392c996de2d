"""The checks every write about the fund shares: an amount, the currency, the network."""

from typing import TYPE_CHECKING, TypeAlias

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput, NotFound
from mutualaid.fund.models import Account, FundPolicy, FundRequest, Payout
from mutualaid.networks.models import Network

# An uploaded file (a receipt, a statement). The stubs make File generic; Django's own class is
# not subscriptable when the code runs.
if TYPE_CHECKING:
    Upload: TypeAlias = UploadedFile[bytes]
else:
    Upload = UploadedFile

MAX_AMOUNT = 10_000_000  # 100,000.00 in a two-decimal currency: anything above is a typo


def amount_checked(value: object, *, field: str = "amount", high: int = MAX_AMOUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        message = _(
            "Give an amount of at least 1 and at most %(max)d (in the currency's minor units)."
        ) % {"max": high}
        raise InvalidInput(message, fields={field: [message]})
    return value


def currency_checked(policy: FundPolicy, currency: str | None) -> None:
    if currency is not None and currency.upper() != policy.currency:
        message = _("This fund keeps its money in %(ours)s, not %(theirs)s.") % {
            "ours": policy.currency,
            "theirs": currency,
        }
        raise InvalidInput(message, fields={"currency": [message]})


def same_network(network: Network, *objects: Account | FundRequest | Payout) -> None:
    for obj in objects:
        if obj.network_id != network.pk:
            raise NotFound()
