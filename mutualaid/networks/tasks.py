from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from mutualaid.core.notify import email_member


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
