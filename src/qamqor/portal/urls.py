from django.urls import path

from qamqor.portal import applying, cabinet, complaints, ledger, notices, queue, signin, views

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
    path("applications/<int:pk>/documents/", cabinet.attach_document, name="attach"),
    path("applications/<int:pk>/complaints/new/", complaints.new, name="complaint-new"),
    path("complaints/<int:cid>/", complaints.complaint, name="complaint"),
    path("complaints/<int:cid>/escalate/", complaints.escalate, name="complaint-escalate"),
    path("who-read-my-data/", ledger.my_ledger, name="ledger"),
    path("sign-in/code/", signin.request_code, name="code-request"),
    path("sign-in/code/verify/", signin.verify_code, name="code-verify"),
    path("outbox/", signin.outbox, name="outbox"),
    path("sign-in/signature/", signin.signature_sign_in, name="signature-sign-in"),
    path("sign-in/signature/demo-keys/<slug:username>.p12", signin.demo_key, name="demo-key"),
    path("notifications/", notices.notifications, name="notifications"),
    path("notifications/contacts/", notices.contacts, name="contacts"),
    path("notifications/outbox/", notices.outbox, name="notify-outbox"),
    # the electronic queue and home visits (frontoffice, issue 14)
    path("queue/", queue.book, name="book"),
    path("home-visit/", queue.home_visit, name="home-visit"),
]
