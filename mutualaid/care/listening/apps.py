from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "mutualaid.care.listening"
    label = "care_listening"
    verbose_name = "Listening"
