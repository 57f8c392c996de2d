from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "mutualaid.library"
    label = "library"
    verbose_name = "Lending library"
