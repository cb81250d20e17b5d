from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "qamqor.complaints"
    label = "complaints"
    verbose_name = "Complaints"
