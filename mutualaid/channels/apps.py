from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "mutualaid.channels"
    label = "channels"
    verbose_name = "notifications"
