"""Fixtures shared by the progression tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from peerpath.accounts.models import User


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A client signed in as the given person."""

    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login
