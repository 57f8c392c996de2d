from django.urls import path

from mutualaid.needs import views

app_name = "needs"
urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:need_id>/", views.need_detail, name="need_detail"),
    path("needs/<int:need_id>/help/", views.need_offer_help, name="need_offer_help"),
    path("needs/<int:need_id>/close/", views.need_close, name="need_close"),
    path("needs/<int:need_id>/still-needed/", views.need_still_needed, name="need_still_needed"),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/status/", views.offer_status, name="offer_status"),
    path("matches/", views.match_list, name="match_list"),
    path("matches/<int:match_id>/block/", views.match_block, name="match_block"),
    path("blocked/", views.block_list, name="block_list"),
    path("blocked/<int:block_id>/remove/", views.block_remove, name="block_remove"),
    path("members/<int:member_id>/block/", views.member_block, name="member_block"),
    # One URL per step: agree, pass, accept, decline, start, confirm_done, release, cancel.
    path("matches/<int:match_id>/<str:action>/", views.match_step, name="match_step"),
]
