from django.urls import path

from mutualaid.channels import views

# Mounted at the site's root: notifications are the person's, across their networks.
urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path(
        "notifications/push/<int:subscription_id>/remove/",
        views.push_subscription_remove,
        name="push_subscription_remove",
    ),
    path("sw.js", views.service_worker, name="service_worker"),
]
