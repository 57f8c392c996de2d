from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "mutualaid.channels"
    label = "channels"
    verbose_name = "notifications"

    def ready(self) -> None:
        # import here: the receiver reads models, which Django loads only after the apps.
        from django.contrib.auth.signals import user_logged_out

        from mutualaid.channels.receivers import push_signed_out

        user_logged_out.connect(push_signed_out, dispatch_uid="channels-push-signed-out")
