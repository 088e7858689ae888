"""``/healthz`` names the part that is down: Redis parts make it ``degraded`` (200), the
database makes it ``down`` (503). The Redis here is a port nobody listens on (a real refused
connection, nothing mocked); the full outage with a real Redis killed and restarted is
``tests/test_redis_faults.py``."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from peerpath.core import health
from tests.rooms_servers import free_port

DEAD_REDIS = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def fresh_layers():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_every_part_is_reported_up(client, db):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert all(part["ok"] for part in body["parts"].values()), body


@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "peerpath.core.channel_layer.ResilientRedisChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    }
)
def test_a_redis_part_down_is_named_and_the_site_stays_in_rotation(client, db, fresh_layers):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["down"] == ["channel_layer"]
    assert body["parts"]["channel_layer"]["ok"] is False
    assert body["parts"]["database"]["ok"] is True


def test_the_database_down_takes_the_process_out_of_rotation():
    report = health.Report(
        [
            health.Part("database", False, "", "OperationalError"),
            health.Part("cache", True, "DatabaseCache"),
        ]
    )
    assert (report.status, report.http_status, report.down) == ("down", 503, ["database"])
    degraded = health.Report([health.Part("database", True, "x"), health.Part("queue", False, "")])
    assert (degraded.status, degraded.http_status) == ("degraded", 200)


def test_a_side_effect_failing_after_commit_is_logged_not_raised(
    db, caplog, django_capture_on_commit_callbacks
):
    from peerpath.core.aftercommit import after_commit

    ran = []

    def boom() -> None:
        raise ConnectionError("Redis is down")

    with django_capture_on_commit_callbacks(execute=True):
        after_commit(boom, what="a test broadcast")
        after_commit(lambda: ran.append(1), what="the next one")
    assert "a test broadcast failed after commit" in caplog.text
    assert ran == [1]  # one failure does not stop the others
