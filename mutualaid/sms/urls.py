from django.urls import path

from mutualaid.sms import views

app_name = "sms"
urlpatterns = [
    path("sms/", views.sms_settings, name="settings"),
    path("sms/confirm/", views.sms_confirm, name="confirm"),
    path("sms/resend/", views.sms_resend, name="resend"),
    path("sms/remove/", views.sms_remove, name="remove"),
]
