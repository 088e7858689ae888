"""Test settings: base.py plus speed. Nothing here changes behaviour under test."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, HUEY, VAR_DIR

# Hashing with the real hasher costs ~250 ms per login; tests log in thousands of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Huey runs tasks inline in tests; the consumer test builds a real, non-immediate Huey.
HUEY = {**HUEY, "immediate": True}
if HUEY["huey_class"] == "huey.SqliteHuey":
    HUEY["filename"] = str(VAR_DIR / "huey-test.sqlite3")
ACCOUNT_RATE_LIMITS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and os.environ.get(
    "PEERPATH_E2E"
):
    # Browser tests serve the app from a thread of the test process: a file database lets
    # the server's connections and the test's see the same committed rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-e2e.sqlite3")}

# The real shared cache (database or Redis), under a prefix of this run's own: a Redis cache
# outlives the run, and one run's entries must never answer the next one's.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"peerpath-test-{os.getpid()}"}}
