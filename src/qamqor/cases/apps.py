from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "qamqor.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self):
        from qamqor.cases import wiring

        wiring.connect()
