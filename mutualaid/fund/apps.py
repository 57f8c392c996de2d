from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "mutualaid.fund"
    label = "fund"
    verbose_name = "Fund"
