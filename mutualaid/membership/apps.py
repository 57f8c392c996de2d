from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "mutualaid.membership"
    label = "membership"
    verbose_name = "membership"
