from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "qamqor.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from qamqor.accounts import working_time  # noqa: F401  (its signals forget the cached corrections)
