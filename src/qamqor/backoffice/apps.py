from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "qamqor.backoffice"
    label = "backoffice"
