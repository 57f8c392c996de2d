from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member


@db_periodic_task(crontab(hour="4", minute="41"))
def members_inactivity_daily() -> None:
    """Ask silent members whether they are still here; move to inactive those who were asked
    and stayed silent (see `members_inactivity_sweep`)."""
    from django.utils import timezone

    from mutualaid.networks.services import members_inactivity_sweep

    members_inactivity_sweep(now=timezone.now())


@db_task(retries=3, retry_delay=60)
def notify_application_decided(application_id: int) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    from mutualaid.networks.models import Application, Member

    application = (
        Application.objects.select_related("network", "user").filter(pk=application_id).first()
    )
    if application is None:
        return
    network = application.network
    if application.status == Application.Status.APPROVED:
        member = Member.objects.filter(network=network, user=application.user).first()
        if member:
            email_member(
                member,
                subject=_("Welcome to %(network)s"),
                body=_("Members approved your application. Welcome!"),
                params={"network": network.name},
                path=reverse("networks:dashboard", kwargs={"slug": network.slug}),
            )
    elif application.user.email:
        # Not a member, so no language of theirs is known: the network's default language.
        with translation.override(settings.LANGUAGE_CODE):
            subject = f"[{network.name}] " + str(_("About your application"))
            message = str(
                _("Members of %(network)s did not approve your application this time.")
            ) % {"network": network.name}
        send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[application.user.email],
        )


@db_task(retries=3, retry_delay=60)
def notify_inactivity_warning(member_id: int) -> None:
    """Ask a silent member, in their language, whether they are still here: one link answers."""
    from mutualaid.networks.models import Member
    from mutualaid.networks.services import still_here_token

    member = Member.objects.filter(pk=member_id).select_related("user", "network").first()
    if member is None or member.inactivity_warned_at is None:
        return
    network = member.network
    email_member(
        member,
        subject=_("Are you still with %(network)s?"),
        body=_(
            "We have not seen you in %(network)s for a while. If you are still here, open the "
            "link below and press “I'm still here”; signing in does the same. If we hear "
            "nothing in %(days)s days, you will be shown as inactive: you stay a member and "
            "can come back at any time."
        ),
        params={"network": network.name, "days": network.inactive_grace_days},
        path=reverse(
            "networks:still_here",
            kwargs={"slug": network.slug, "token": still_here_token(member)},
        ),
    )
