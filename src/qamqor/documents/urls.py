"""Included at the root by `qamqor.project.urls`."""

from django.urls import path

from qamqor.documents import views

urlpatterns = [
    path("verify/", views.verify_page, name="documents-verify-form"),
    path("verify/<str:code>", views.verify_page, name="documents-verify"),
    path("api/v1/documents/verify/", views.api_verify_pdf, name="documents-api-verify-pdf"),
    path("api/v1/documents/verify/<str:code>", views.api_verify_code, name="documents-api-verify"),
]
