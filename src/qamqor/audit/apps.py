from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qamqor.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from qamqor.audit import chain

        chain.connect()  # the tamper-evident trail (decision 0019)
