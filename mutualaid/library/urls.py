from django.urls import path

from mutualaid.library import views

app_name = "library"
urlpatterns = [
    path("library/", views.thing_list, name="thing_list"),
    path("library/new/", views.thing_create, name="thing_create"),
    path("library/loans/", views.loan_list, name="loan_list"),
    path("library/things/<int:thing_id>/", views.thing_detail, name="thing_detail"),
    path("library/things/<int:thing_id>/photo/", views.thing_photo, name="thing_photo"),
    path(
        "library/things/<int:thing_id>/photo/new/",
        views.thing_photo_upload,
        name="thing_photo_upload",
    ),
    path("library/things/<int:thing_id>/update/", views.thing_update, name="thing_update"),
    path("library/things/<int:thing_id>/keeper/", views.thing_keeper, name="thing_keeper"),
    path("library/things/<int:thing_id>/book/", views.thing_book, name="thing_book"),
    path("library/things/<int:thing_id>/train/", views.thing_train, name="thing_train"),
    # One URL per step: check_out, return, cancel.
    path(
        "library/bookings/<int:booking_id>/<str:action>/",
        views.booking_step,
        name="booking_step",
    ),
    # For calendar apps: no session, the network's feed secret is in the URL.
    path(
        "library/feed/<str:token>/things/<int:thing_id>.ics",
        views.thing_feed,
        name="thing_feed",
    ),
]
