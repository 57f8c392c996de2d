from django.contrib import admin
from django.urls import include, path

from mutualaid.accounts import views as account_views
from mutualaid.api import api
from mutualaid.care import views as care_views
from mutualaid.core import views as core_views
from mutualaid.networks import views as network_views
from mutualaid.sms import views as sms_views

urlpatterns = [
    path("", network_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("crisis/", care_views.crisis_general, name="crisis"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("me/data/", account_views.data_export, name="data_export"),
    path("me/data.json", account_views.data_download, name="data_download"),
    path("me/delete/", account_views.account_delete, name="account_delete"),
    path("admin/", admin.site.urls),
    path("sms/inbound", sms_views.sms_inbound, name="sms_inbound"),
    path("", include("mutualaid.channels.urls")),
    path("api/v1/", api.urls),
    path("n/<slug:slug>/", include("mutualaid.networks.urls")),
    path("n/<slug:slug>/", include("mutualaid.needs.urls")),
    path("n/<slug:slug>/", include("mutualaid.governance.urls")),
    path("n/<slug:slug>/", include("mutualaid.matching.urls")),
    path("n/<slug:slug>/", include("mutualaid.library.urls")),
    path("n/<slug:slug>/", include("mutualaid.pantry.urls")),
    path("n/<slug:slug>/", include("mutualaid.fund.urls")),
    path("n/<slug:slug>/", include("mutualaid.care.urls")),
    path("n/<slug:slug>/", include("mutualaid.care.listening.urls")),
    path("n/<slug:slug>/", include("mutualaid.care.teams.urls")),
    path("n/<slug:slug>/", include("mutualaid.sms.urls")),
    path("n/<slug:slug>/", include("mutualaid.relay.urls")),
]

handler404 = "mutualaid.core.views.not_found"
