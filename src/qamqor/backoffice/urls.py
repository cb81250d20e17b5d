from django.urls import path

from qamqor.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/documents/<str:code>.pdf", views.document, name="document"),
    path("cases/<int:pk>/actions/<slug:name>/", views.act, name="act"),
]
