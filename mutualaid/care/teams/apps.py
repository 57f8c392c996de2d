from django.apps import AppConfig


class CareTeamsConfig(AppConfig):
    name = "mutualaid.care.teams"
    label = "care_teams"
    verbose_name = "Care teams"
