from django.urls import path

from qamqor.backoffice import dashboard, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("monitoring/", dashboard.dashboard, name="monitoring"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/actions/<slug:name>/", views.act, name="act"),
]
