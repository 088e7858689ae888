"""Project-wide pytest fixtures: a seeded world with one named user per role."""

from __future__ import annotations

import os

import pytest

from peerpath.accounts.tests.factories import WorldBuilder


@pytest.fixture
def world(db):
    """One user per role of the authorization matrix, plus peers in each age band."""
    return WorldBuilder().build()


def pytest_report_header(config):
    return [f"database url: {os.environ.get('DATABASE_URL', 'sqlite (default)')}"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Process caches of database rows must not outlive a test's rolled-back transaction."""
    from peerpath.progression.ladder import forget_ladder
    from peerpath.rooms.consumers import forget_heartbeat
    from peerpath.rooms.models import RoomSettings

    RoomSettings.forget()
    forget_heartbeat()
    forget_ladder()
    yield
    RoomSettings.forget()
    forget_heartbeat()
    forget_ladder()
