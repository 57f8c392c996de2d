from django.urls import path

from mutualaid.fund import views

app_name = "fund"
urlpatterns = [
    path("fund/", views.overview, name="overview"),
    path("fund/ask/", views.request_create, name="request_create"),
    path("fund/rules/propose/", views.policy_propose, name="policy_propose"),
    path("fund/requests/<int:request_id>/approve/", views.request_approve, name="request_approve"),
    path("fund/requests/<int:request_id>/close/", views.request_decline, name="request_decline"),
    path("fund/requests/<int:request_id>/pay/", views.payout_send, name="payout_send"),
    path("fund/payouts/<int:payout_id>/<slug:action>/", views.payout_step, name="payout_step"),
    path("fund/receipts/<int:receipt_id>/", views.receipt, name="receipt"),
    path("fund/treasury/", views.treasury, name="treasury"),
    path(
        "fund/transactions/<int:transaction_id>/reverse/",
        views.transaction_reverse,
        name="transaction_reverse",
    ),
    path("fund/reconcile/", views.reconcile, name="reconcile"),
    path("fund/report/", views.report, name="report"),
    path("fund/report.<slug:fmt>", views.report_plot, name="report_plot"),
    path("fund/public/", views.public_report, name="public_report"),
    path("fund/public.csv", views.public_report_csv, name="public_report_csv"),
    path("fund/public.<slug:fmt>", views.public_report_plot, name="public_report_plot"),
    path("fund/ledger.csv", views.ledger_csv, name="ledger_csv"),
]
