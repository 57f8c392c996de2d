"""The notices of text messages: the code that proves a member holds the number."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.networks.models import Member
from mutualaid.sms.models import SmsPhone


def _phone(phone_id: int) -> SmsPhone | None:
    return (
        SmsPhone.objects.select_related("member__user", "member__network")
        .filter(pk=phone_id)
        .first()
    )


def _the_member(phone: SmsPhone, extra: Extra) -> Iterable[Member]:
    return [phone.member]


def _code(phone: SmsPhone, extra: Extra) -> dict[str, object]:
    return {"code": extra["code"]}


notice_kinds(
    NoticeKind(
        name="sms.phone_code",
        load=_phone,
        to=_the_member,
        subject=_("Your mutualaid code"),
        body=_("Your mutualaid code is %(code)s"),
        params=_code,
        # By text only, always: the code proves the member holds the number, so it goes to
        # that number and nowhere else, and is never listed in the app.
        defaults={"sms": "instant", "email": "off", "push": "off"},
        mandatory=True,
        in_app=False,
        sms_body=_("Your mutualaid code is %(code)s"),
    ),
)
