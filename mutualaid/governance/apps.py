from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "mutualaid.governance"
    label = "governance"
    verbose_name = "Governance"
