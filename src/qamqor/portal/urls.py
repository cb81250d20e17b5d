from django.urls import path

from qamqor.portal import applying, cabinet, ledger, signin, views

app_name = "portal"
urlpatterns = [
    path("", views.services, name="services"),
    path("services/<slug:slug>/", views.service, name="service"),
    path("services/<slug:slug>/check/", views.check, name="check"),
    path("services/<slug:slug>/apply/", applying.start, name="apply-start"),
    path("services/<slug:slug>/apply/<slug:step>/", applying.step, name="apply"),
    path("applications/<int:pk>/submitted/", applying.submitted, name="submitted"),
    path("applications/<int:pk>/documents/<str:code>.pdf", cabinet.issued_pdf, name="issued-pdf"),
    path("applications/", cabinet.applications, name="applications"),
    path("applications/<int:pk>/", cabinet.status, name="status"),
    path("applications/<int:pk>/withdraw/", cabinet.withdraw, name="withdraw"),
    path("who-read-my-data/", ledger.my_ledger, name="ledger"),
    path("sign-in/code/", signin.request_code, name="code-request"),
    path("sign-in/code/verify/", signin.verify_code, name="code-verify"),
    path("outbox/", signin.outbox, name="outbox"),
]
