"""`/api/v1/` routes."""

from django.urls import path

from qamqor.api import applications, catalogue, complaints, documents, views

urlpatterns = [
    path("", views.Root.as_view(), name="api-root"),
    path("auth/token/", views.ObtainToken.as_view(), name="api-token"),
    path("me/", views.Me.as_view(), name="api-me"),
    path("services/", catalogue.ServiceList.as_view(), name="service-list"),
    path("services/<slug:slug>/", catalogue.ServiceDetail.as_view(), name="service-detail"),
    path("applications/", applications.ApplicationList.as_view(), name="application-list"),
    path("applications/<int:pk>/", applications.ApplicationDetail.as_view(), name="application-detail"),
    *applications.action_urls,  # one endpoint per action of the case layer
    *documents.urls,  # uploads, issued documents, public verification
    *complaints.urls,  # complaints (complaints app) and the contact centre's lookup
    path("queues/mine/", applications.Queue.as_view(), name="queue"),
]
