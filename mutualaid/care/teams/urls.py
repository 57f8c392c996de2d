from django.urls import path

from mutualaid.care.teams import views

app_name = "care_teams"
T = "care-teams/<int:team_id>/"
urlpatterns = [
    path("care-teams/", views.team_list, name="team_list"),
    path("care-teams/new/", views.team_create, name="team_create"),
    path(T, views.team_detail, name="team_detail"),
    path(f"{T}answer/<str:action>/", views.team_answer, name="team_answer"),
    path(f"{T}state/<str:action>/", views.team_step, name="team_step"),
    path(f"{T}leave/", views.team_leave, name="team_leave"),
    path(f"{T}share/", views.team_share, name="team_share"),
    path(f"{T}closes-on/", views.team_closes_on, name="team_closes_on"),
    path(f"{T}invite/", views.team_invite, name="team_invite"),
    path(
        f"{T}members/<int:membership_id>/<str:action>/",
        views.membership_step,
        name="membership_step",
    ),
    path(f"{T}slots/new/", views.slot_create, name="slot_create"),
    path(f"{T}slots/<int:slot_id>/", views.slot_detail, name="slot_detail"),
    path(f"{T}slots/<int:slot_id>/<str:action>/", views.slot_step, name="slot_step"),
]
