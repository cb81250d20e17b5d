from django.urls import path

from qamqor.backoffice import desk, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("desk/", desk.desk, name="desk"),
    path("desk/accept/<slug:slug>/", desk.accept, name="desk-accept"),
    path("desk/shelf/", desk.shelf, name="shelf"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/documents/<str:code>.pdf", views.issued_pdf, name="issued-pdf"),
    path("cases/<int:pk>/actions/<slug:name>/", views.act, name="act"),
]
