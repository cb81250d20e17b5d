from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "qamqor.registries"
    label = "registries"
    verbose_name = "State information systems and the consent ledger"
    default_auto_field = "django.db.models.BigAutoField"
