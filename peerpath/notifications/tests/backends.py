"""E-mail backends for tests: one that always fails, one that fails while told to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    """A mail server that bounces everything."""

    def send_messages(self, email_messages: Sequence[mail.EmailMessage]) -> int:
        raise ConnectionRefusedError("the mail server is down")


class PickyBackend(LocmemBackend):
    """Locmem, but refuses mail to the addresses in ``refuse``."""

    refuse: ClassVar[set[str]] = set()

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            if set(message.to) & self.refuse:
                raise OSError("550 mailbox unavailable")
        return super().send_messages(email_messages)
