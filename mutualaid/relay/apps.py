from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "mutualaid.relay"
    label = "relay"
    verbose_name = "contact relay"
