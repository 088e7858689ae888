"""SITE_URL, EMAIL_URL file paths, the shared cache and proxy trust, as configured from the
environment (subprocesses: each gets a fresh settings module)."""

from __future__ import annotations

import json

import pytest

from tests.test_settings import PROD_KEY, SETTINGS_VARS, run

SERVE_VARS = SETTINGS_VARS | {"SITE_URL", "HOST", "PORT", "EMAIL_URL", "TRUSTED_PROXIES"}


def settings_of(*names: str, **env: str) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        f"names = {list(names)!r};"
        "print(json.dumps({n: getattr(settings, n, None) for n in names}, default=str))"
    )
    result = run("-c", code, drop=SERVE_VARS | {"REDIS_URL", "DATABASE_URL"}, **env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"HOST": "peerpath.lan", "PORT": "9123"}, "http://peerpath.lan:9123"),
        ({"SITE_URL": "https://help.example.org/"}, "https://help.example.org"),
        (
            {"DEBUG": "0", "SECRET_KEY": PROD_KEY, "ALLOWED_HOSTS": "a.example.org,b.example"},
            "https://a.example.org",
        ),
    ],
)
def test_site_url_follows_the_served_site(env: dict[str, str], expected: str) -> None:
    assert settings_of("SITE_URL", **env)["SITE_URL"] == expected


def test_mail_links_use_the_site_url() -> None:
    code = (
        "import django; django.setup();"
        "from peerpath.notifications.delivery import site_url; print(site_url())"
    )
    result = run("-c", code, drop=SERVE_VARS, PORT="8765")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("url", "suffix"),
    [
        ("filemail://var/mail", "/var/mail"),
        ("filemail://var/outbox/x", "/var/outbox/x"),
    ],
)
def test_relative_mail_folders_resolve_under_the_project(url: str, suffix: str) -> None:
    from tests.test_settings import ROOT

    loaded = settings_of("EMAIL_FILE_PATH", EMAIL_URL=url)
    assert loaded["EMAIL_FILE_PATH"] == str(ROOT) + suffix


def test_absolute_mail_folder_is_kept() -> None:
    assert settings_of("EMAIL_FILE_PATH", EMAIL_URL="filemail:///srv/mail")["EMAIL_FILE_PATH"] == (
        "/srv/mail"
    )


def test_the_cache_is_shared_never_process_memory() -> None:
    embedded = settings_of("CACHES")["CACHES"]
    assert isinstance(embedded, dict)
    assert embedded["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = settings_of("CACHES", REDIS_URL="redis://127.0.0.1:6379/3")["CACHES"]
    assert isinstance(redis, dict)
    assert redis["default"]["BACKEND"] == "peerpath.core.cache.ResilientRedisCache"
    assert redis["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_django_believes_no_forwarded_header() -> None:
    """Only the server, for TRUSTED_PROXIES, turns X-Forwarded-Proto into https."""
    loaded = settings_of(
        "SECURE_PROXY_SSL_HEADER",
        "TRUSTED_PROXIES",
        DEBUG="0",
        SECRET_KEY=PROD_KEY,
        ALLOWED_HOSTS="example.org",
    )
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None
    assert loaded["TRUSTED_PROXIES"] == []
