from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "qamqor.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring feed"
    default_auto_field = "django.db.models.BigAutoField"
