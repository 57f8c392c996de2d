from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "mutualaid.membership"
    label = "membership"
    verbose_name = "membership"

    def ready(self) -> None:
        # import here: services read models, which Django loads only after the apps.
        from django.contrib.auth.signals import user_logged_in

        from mutualaid.membership.services import members_signed_in

        # Signing in is activity in each of the person's networks, and brings an inactive
        # member back (the rule lives in the service; this only forwards the event).
        def signed_in(sender: object, request: object, user: object, **kwargs: object) -> None:
            members_signed_in(user_id=getattr(user, "pk", None))

        user_logged_in.connect(signed_in, dispatch_uid="membership-member-signed-in")
