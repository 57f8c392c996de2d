from django.urls import path

from mutualaid.pantry import views

app_name = "pantry"
urlpatterns = [
    path("pantry/", views.stock, name="stock"),
    path("pantry/capacity/", views.capacity, name="capacity"),
    path("pantry/rules/", views.rules, name="rules"),
    path("pantry/rules/propose/", views.rule_propose, name="rule_propose"),
    path("pantry/stock.csv", views.stock_csv, name="stock_csv"),
    path("pantry/distributions.csv", views.distributions_csv, name="distributions_csv"),
    path("pantry/items/new/", views.item_create, name="item_create"),
    path("pantry/items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("pantry/items/<int:item_id>/retire/", views.item_retire, name="item_retire"),
    path("pantry/intake/", views.intake, name="intake"),
    path("pantry/distribute/", views.distribute, name="distribute"),
    path("pantry/households/", views.households, name="households"),
    path(
        "pantry/households/<int:household_id>/member/",
        views.household_link,
        name="household_link",
    ),
    path("pantry/lots/<int:lot_id>/adjust/", views.lot_adjust, name="lot_adjust"),
    path("pantry/lots/<int:lot_id>/count/", views.lot_count, name="lot_count"),
    path("pantry/reservations/", views.reservations, name="reservations"),
    path(
        "pantry/reservations/<int:reservation_id>/release/",
        views.reservation_release,
        name="reservation_release",
    ),
    path(
        "pantry/reservations/<int:reservation_id>/fulfil/",
        views.reservation_fulfil,
        name="reservation_fulfil",
    ),
    path("pantry/settings/", views.pantry_settings, name="settings"),
    path("pantry/alerts/", views.alerts, name="alerts"),
]
