"""Included at the root by `qamqor.project.urls` (the verification API: `qamqor.api.documents`)."""

from django.urls import path

from qamqor.documents import views

urlpatterns = [
    path("verify/", views.verify_page, name="documents-verify-form"),
    path("verify/<str:code>", views.verify_page, name="documents-verify"),
]
