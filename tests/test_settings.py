"""Settings behave as documented under production-like environments (run as subprocesses
so each gets a fresh settings module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD_KEY = "k" * 40 + "-Zq8#vR2!mT5@pL9$wX3&"
SETTINGS_VARS = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}


def run(*args: str, drop: set[str] = SETTINGS_VARS, **env: str) -> subprocess.CompletedProcess[str]:
    """Run python with ``args`` under base settings, the current environment minus ``drop``
    plus ``env``."""
    full_env = {k: v for k, v in os.environ.items() if k not in drop}
    full_env.update(env, DJANGO_SETTINGS_MODULE="config.settings.base")
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_env():
    result = run(
        "manage.py",
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY=PROD_KEY,
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run("manage.py", "check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_sqlite_default_is_wal_with_busy_timeout():
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    result = run("-c", code, drop=SETTINGS_VARS | {"DATABASE_URL", "REDIS_URL"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


def test_redis_url_switches_channel_layer_and_huey():
    code = (
        "from django.conf import settings;"
        "print(settings.CHANNEL_LAYERS['default']['BACKEND'], settings.HUEY['huey_class'])"
    )
    result = run("-c", code, REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "peerpath.core.channel_layer.ResilientRedisChannelLayer",
        "huey.RedisHuey",
    ]


def test_content_security_policy_allows_no_inline_or_eval_script():
    """Scripts come from our own static files only (issue 16): script-src (or default-src,
    its fallback) never carries 'unsafe-inline', 'unsafe-eval' or a wildcard; styles neither
    allow 'unsafe-inline'."""
    from csp.utils import build_policy
    from django.conf import settings

    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    header = build_policy()  # the header as django-csp writes it from the settings
    parsed = {name: values for name, *values in (p.split() for p in header.split(";"))}
    script_src = parsed.get("script-src", parsed["default-src"])
    assert "'self'" in script_src
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:"):
        assert unsafe not in script_src
        assert unsafe not in policy["script-src"]
    assert "'unsafe-inline'" not in parsed["style-src"]
    assert parsed["object-src"] == ["'none'"]
    assert parsed["frame-ancestors"] == ["'none'"]
