from django.apps import AppConfig


class FrontofficeConfig(AppConfig):
    name = "qamqor.frontoffice"
    label = "frontoffice"
    default_auto_field = "django.db.models.BigAutoField"
