from django.urls import path

from qamqor.backoffice import complaints, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/actions/<slug:name>/", views.act, name="act"),
    path("complaints/", complaints.queue, name="complaints"),
    path("complaints/<int:cid>/", complaints.complaint_page, name="complaint"),
    path("complaints/<int:cid>/steps/<slug:name>/", complaints.complaint_step, name="complaint-step"),
    path("contact-centre/", complaints.contact_centre, name="contact-centre"),
]
