from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qamqor.accounts"
    label = "accounts"
    verbose_name = "Accounts"
