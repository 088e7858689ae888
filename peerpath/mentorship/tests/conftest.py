"""Fixtures of the mentoring tests: the page tests' people and logins (``test_views_*``,
which also ask for ``fresh_cache``), and the service tests' ``on_commit``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from peerpath.accounts.models import Language, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.tests.factories import make_listener, make_mentor


@pytest.fixture
def fresh_cache() -> None:
    cache.clear()  # the "suggested for you" pool is cached for a minute


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def people() -> dict[str, User]:
    spanish = Language.objects.get(code="es")
    mentor = make_mentor(username="mo-mentor", capacity=2, topics=("anxiety",))
    mentor.profile.languages.add(spanish)
    return {
        "mentor": mentor,
        "mentor2": make_mentor(username="max-mentor", capacity=1, topics=("grief-loss",)),
        "teen_mentor": make_mentor(teen=True, username="tia-teen-mentor"),
        "listener": make_listener(username="lee-listener"),
        "listener2": make_listener(username="lou-listener"),
        "teen_listener": make_listener(teen=True, username="tam-teen-listener"),
        "member": UserFactory.create(username="meg-member"),
        "staff": UserFactory.create(username="sol-staff", roles=[Role.STAFF]),
    }


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run on_commit callbacks (mail jobs, broadcasts) as a committed transaction would."""

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return run
