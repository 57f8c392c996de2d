from django.urls import path

from mutualaid.governance import views

app_name = "governance"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:member_id>/trust/", views.trust_give, name="trust_give"),
    path("people/<int:member_id>/untrust/", views.trust_revoke, name="trust_revoke"),
    path("roles/", views.roles, name="roles"),
    path("history/", views.history, name="history"),
    path("governance/proposals/", views.proposals, name="proposals"),
    path("governance/proposals/new/", views.proposal_create, name="proposal_create"),
    path("governance/proposals/<int:proposal_id>/", views.proposal_detail, name="proposal_detail"),
    path("governance/proposals/<int:proposal_id>/vote/", views.proposal_vote, name="proposal_vote"),
    path(
        "governance/proposals/<int:proposal_id>/comment/",
        views.proposal_comment,
        name="proposal_comment",
    ),
    path(
        "governance/proposals/<int:proposal_id>/withdraw/",
        views.proposal_withdraw,
        name="proposal_withdraw",
    ),
    path("governance/agreements/", views.agreements, name="agreements"),
    path("governance/concerns/", views.concerns, name="concerns"),
    path("governance/concerns/new/", views.concern_create, name="concern_create"),
    path("governance/concerns/<int:concern_id>/", views.concern_detail, name="concern_detail"),
    path(
        "governance/concerns/<int:concern_id>/answer/",
        views.concern_answer,
        name="concern_answer",
    ),
    path(
        "governance/concerns/<int:concern_id>/open-vote/",
        views.concern_open_vote,
        name="concern_open_vote",
    ),
    path("governance/concerns/<int:concern_id>/vote/", views.concern_vote, name="concern_vote"),
]
