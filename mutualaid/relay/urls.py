from django.urls import path

from mutualaid.relay import views

app_name = "relay"
urlpatterns = [
    path("conversations/<int:match_id>/", views.conversation, name="conversation"),
    path(
        "conversations/messages/<int:message_id>/report/",
        views.message_report,
        name="message_report",
    ),
]
