"""Background work for the pantry: release stock held for ended matches, and send alerts.
Tasks only call services or notify."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member
from mutualaid.networks.models import Member


@db_periodic_task(crontab(minute="*/5"))
def release_ended_reservations() -> int:
    """A match that was cancelled or released gives its held stock back within minutes."""
    from mutualaid.pantry.services import reservations_release_sweep

    return reservations_release_sweep()


@db_periodic_task(crontab(hour="7", minute="0"))
def send_alerts() -> int:
    from mutualaid.networks.models import Network
    from mutualaid.pantry.models import Item
    from mutualaid.pantry.services import alerts_send

    sent = 0
    for network in Network.objects.filter(pk__in=Item.objects.values("network")):
        sent += alerts_send(network=network)
    return sent


def email_alert(member: Member, *, low: list[str], expiring: int) -> None:
    send_alert_email(member.pk, low, expiring)


@db_task(retries=3, retry_delay=60)
def send_alert_email(member_id: int, low: list[str], expiring: int) -> None:
    member = Member.objects.select_related("network", "user").filter(pk=member_id).first()
    if member is None:
        return
    email_member(
        member,
        subject=_("Pantry: low stock and food expiring soon"),
        body=_("Low on: %(low)s. Lots expiring within three days: %(expiring)d. See the stock:"),
        params={"low": ", ".join(low) or "—", "expiring": expiring},
        path=reverse("pantry:stock", kwargs={"slug": member.network.slug}),
    )
