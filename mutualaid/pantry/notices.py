"""The pantry's notices, as data: who hears of what, in which words.

`alerts_send` sends `notice_send("pantry.alert", member.pk, low=[...], expiring=n)` to each
keeper who opted in.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.networks.models import Member


def _member(member_id: int) -> Member | None:
    return Member.objects.select_related("network", "user").filter(pk=member_id).first()


def _low_and_expiring(member: Member, extra: Extra) -> dict[str, object]:
    return {"low": ", ".join(extra.get("low", [])) or "—", "expiring": extra.get("expiring", 0)}


def _stock(member: Member) -> str:
    return reverse("pantry:stock", kwargs={"slug": member.network.slug})


notice_kinds(
    NoticeKind(
        name="pantry.alert",
        load=_member,
        to=lambda member, extra: [member],
        subject=_("Pantry: low stock and food expiring soon"),
        body=_("Low on: %(low)s. Lots expiring within three days: %(expiring)d. See the stock:"),
        params=_low_and_expiring,
        path=_stock,
    ),
)
