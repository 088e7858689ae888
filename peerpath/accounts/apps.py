from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peerpath.accounts"
    verbose_name = "Accounts"
