from django.urls import path

from mutualaid.networks import views

app_name = "networks"
urlpatterns = [
    path("", views.network_public, name="public"),
    path("join/<str:code>/", views.join_by_invitation, name="join"),
    path("apply/", views.apply, name="apply"),
    path("home/", views.dashboard, name="dashboard"),
    path("profile/", views.profile_edit, name="profile"),
    path("back/", views.member_back, name="member_back"),
    path("leave/", views.network_leave, name="leave"),
    path("still-here/<str:token>/", views.still_here, name="still_here"),
    path("applications/", views.applications_list, name="applications"),
    path(
        "applications/<int:application_id>/vote/", views.application_vote, name="application_vote"
    ),
    path("settings/", views.network_settings, name="settings"),
    path("settings/invite/rotate/", views.invite_rotate, name="invite_rotate"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
