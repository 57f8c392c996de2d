from django.urls import path

from mutualaid.matching import views

app_name = "matching"
urlpatterns = [
    path("matching/", views.how_it_works, name="how_it_works"),
    path("needs/<int:need_id>/ask/", views.need_ask, name="need_ask"),
]
