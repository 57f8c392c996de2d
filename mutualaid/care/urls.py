from django.urls import path

from mutualaid.care import views

app_name = "care"
urlpatterns = [
    path("circles/", views.circle_list, name="circle_list"),
    path("circles/new/", views.circle_create, name="circle_create"),
    path("circles/<int:circle_id>/", views.circle_detail, name="circle_detail"),
    path("circles/<int:circle_id>/log/", views.circle_log, name="circle_log"),
    path("circles/<int:circle_id>/join/", views.circle_join, name="circle_join"),
    path("circles/<int:circle_id>/agree/", views.agreement_accept, name="agreement_accept"),
    path("circles/<int:circle_id>/leave/", views.circle_leave, name="circle_leave"),
    path("circles/<int:circle_id>/invite/", views.circle_invite, name="circle_invite"),
    path("circles/<int:circle_id>/willing/", views.membership_willing, name="membership_willing"),
    path("circles/<int:circle_id>/settings/", views.circle_settings, name="circle_settings"),
    path("circles/<int:circle_id>/agreement/", views.agreement_revise, name="agreement_revise"),
    path("circles/<int:circle_id>/posts/", views.post_create, name="post_create"),
    path("circles/<int:circle_id>/posts/<int:post_id>/reply/", views.post_reply, name="post_reply"),
    path("circles/<int:circle_id>/posts/<int:post_id>/react/", views.post_react, name="post_react"),
    path("circles/<int:circle_id>/posts/<int:post_id>/flag/", views.post_flag, name="post_flag"),
    path("circles/<int:circle_id>/posts/<int:post_id>/hide/", views.post_hide, name="post_hide"),
    path(
        "circles/<int:circle_id>/members/<int:membership_id>/<str:action>/",
        views.membership_step,
        name="membership_step",
    ),
    path("crisis/", views.crisis, name="crisis"),
]
