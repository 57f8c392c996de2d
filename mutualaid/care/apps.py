from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "mutualaid.care"
    label = "care"
    verbose_name = "Care"
