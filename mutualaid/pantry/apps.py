from django.apps import AppConfig


class PantryConfig(AppConfig):
    name = "mutualaid.pantry"
    label = "pantry"
    verbose_name = "Pantry"
