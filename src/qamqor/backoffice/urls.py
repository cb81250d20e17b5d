from django.urls import path

from qamqor.backoffice import complaints, dashboard, desk, frontdesk, impact, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("monitoring/", dashboard.dashboard, name="monitoring"),
    path("desk/", desk.desk, name="desk"),
    path("desk/accept/<slug:slug>/", desk.accept, name="desk-accept"),
    path("desk/shelf/", desk.shelf, name="shelf"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/documents/<str:code>.pdf", views.issued_pdf, name="issued-pdf"),
    path("cases/<int:pk>/actions/<slug:name>/", views.act, name="act"),
    path("impact/", impact.impact, name="impact"),
    # the electronic queue and home visits (frontoffice, issue 14)
    path("front-office/queue/", frontdesk.console, name="console"),
    path("front-office/queue/<slug:step>/", frontdesk.console_step, name="console-step"),
    path("front-office/figures/", frontdesk.figures, name="figures"),
    path("front-office/home-visits/", frontdesk.home_visits, name="home-visits"),
    path("front-office/home-visits/<slug:step>/", frontdesk.home_visit_step, name="home-visit-new"),
    path("front-office/home-visits/<int:pk>/<slug:step>/", frontdesk.home_visit_step, name="home-visit-step"),
    path("complaints/", complaints.queue, name="complaints"),
    path("complaints/<int:cid>/", complaints.complaint_page, name="complaint"),
    path("complaints/<int:cid>/steps/<slug:name>/", complaints.complaint_step, name="complaint-step"),
    path("contact-centre/", complaints.contact_centre, name="contact-centre"),
]
