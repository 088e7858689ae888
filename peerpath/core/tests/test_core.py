from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.urls import path
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from peerpath.core import tasks
from peerpath.core.decisions import Decision


def test_healthz_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    assert body["down"] == []
    assert set(body["parts"]) == {"database", "cache", "channel_layer", "queue"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_read_only(client, db):
    assert client.post("/healthz").status_code == 405


def test_friendly_404(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def boom(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("boom/", boom)]
handler500 = "peerpath.core.views.error_500"


@override_settings(ROOT_URLCONF=__name__)
def test_friendly_500(db):
    from django.test import Client

    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "kaboom" not in body


def test_decision_truthiness():
    assert Decision.allow()
    denied = Decision.deny("because")
    assert not denied
    assert denied.reason == "because"


def test_purge_expired_sessions_immediate(db):
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="x", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    tasks.purge_expired_sessions_now()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_a_real_huey_consumer_runs_a_task():
    """Not immediate mode: the task goes through the configured storage (SQLite or Redis)
    and a real consumer's worker thread runs it against the database."""
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    HUEY.immediate = False
    consumer = None
    try:
        HUEY.flush()
        result = tasks.purge_expired_sessions_now()
        assert HUEY.pending_count() == 1
        consumer = HUEY.create_consumer(workers=1, periodic=False, check_worker_health=False)
        consumer.start()
        assert result.get(blocking=True, timeout=30) == 1
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
        HUEY.flush()
        HUEY.immediate = True
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert not Session.objects.filter(session_key="old").exists()
