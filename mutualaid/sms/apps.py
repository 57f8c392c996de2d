from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "mutualaid.sms"
    label = "sms"
    verbose_name = "Text messages"
