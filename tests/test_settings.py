"""Settings behave as documented under production-like environments (run as subprocesses
so each gets a fresh settings module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD_KEY = "k" * 40 + "-Zq8#vR2!mT5@pL9$wX3&"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    full_env.update(env, DJANGO_SETTINGS_MODULE="config.settings.base")
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_env():
    result = manage(
        "check", "--deploy", DEBUG="0", SECRET_KEY=PROD_KEY, ALLOWED_HOSTS="example.org"
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_sqlite_default_is_wal_with_busy_timeout():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
        "django.setup(); from django.db import connection; c=connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


def test_redis_url_switches_channel_layer_and_huey():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
        "from django.conf import settings;"
        "print(settings.CHANNEL_LAYERS['default']['BACKEND'], settings.HUEY['huey_class'])"
    )
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6379/3")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["channels_redis.core.RedisChannelLayer", "huey.RedisHuey"]
