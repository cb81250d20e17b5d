from django.apps import AppConfig


class DatabankConfig(AppConfig):
    name = "qamqor.databank"
    label = "databank"
    verbose_name = "Republican data bank of children and carers"
    default_auto_field = "django.db.models.BigAutoField"
