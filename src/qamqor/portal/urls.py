from django.urls import path

from qamqor.portal import cabinet, complaints, ledger, signin, views

app_name = "portal"
urlpatterns = [
    path("", views.services, name="services"),
    path("services/<slug:slug>/", views.service, name="service"),
    path("services/<slug:slug>/check/", views.check, name="check"),
    path("applications/", cabinet.applications, name="applications"),
    path("applications/<int:pk>/", cabinet.status, name="status"),
    path("applications/<int:pk>/withdraw/", cabinet.withdraw, name="withdraw"),
    path("applications/<int:pk>/complaints/new/", complaints.new, name="complaint-new"),
    path("complaints/<int:cid>/", complaints.complaint, name="complaint"),
    path("complaints/<int:cid>/escalate/", complaints.escalate, name="complaint-escalate"),
    path("who-read-my-data/", ledger.my_ledger, name="ledger"),
    path("sign-in/code/", signin.request_code, name="code-request"),
    path("sign-in/code/verify/", signin.verify_code, name="code-verify"),
    path("outbox/", signin.outbox, name="outbox"),
]
