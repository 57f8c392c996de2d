from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "mutualaid.networks"
    label = "networks"
    verbose_name = "Networks"
