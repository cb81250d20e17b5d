from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "qamqor.portal"
    label = "portal"
