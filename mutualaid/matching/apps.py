from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "mutualaid.matching"
    label = "matching"
    verbose_name = "Matching"
