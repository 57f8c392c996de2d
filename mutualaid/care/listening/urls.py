from django.urls import path

from mutualaid.care.listening import views

app_name = "care_listening"
_base = "care/listening/"
_one = _base + "requests/<int:request_id>/"
urlpatterns = [
    path(_base, views.home, name="home"),
    path(_base + "ask/", views.ask, name="ask"),
    path(_base + "queue/", views.queue, name="queue"),
    path(_base + "queue/<int:request_id>/take/", views.take, name="take"),
    path(_base + "settings/", views.listener_settings, name="settings"),
    path(_base + "debrief/", views.debrief, name="debrief"),
    path(_one, views.conversation, name="conversation"),
    path(_one + "messages/", views.message_create, name="message_create"),
    path(_one + "notes/", views.note_create, name="note_create"),
    path(_one + "consent/", views.consent, name="consent"),
    path(_one + "share-email/", views.share_email, name="share_email"),
    path(_one + "close/", views.close, name="close"),
    path(_one + "withdraw/", views.withdraw, name="withdraw"),
]
