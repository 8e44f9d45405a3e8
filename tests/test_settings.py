"""Production settings: `check --deploy` is clean, and the process refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-key-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789-abcdef",
    "FIELD_ENCRYPTION_KEYS": "production-field-key",
    "ALLOWED_HOSTS": "huabei.example.org",
    "DATABASE_URL": "sqlite:////tmp/huabei-deploy-check.sqlite3",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_HOST_USER": "huabei",
    "EMAIL_HOST_PASSWORD": "smtp-password",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what a process needs to run: none of the test settings' variables leak into the child.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "PYENV_VERSION") if k in os.environ}
    clean["DJANGO_SETTINGS_MODULE"] = "huabei_negotiate.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_key_only_with_debug_on():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS")}
    env["DEBUG"] = "1"
    result = manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env)
    assert result.returncode == 0, result.stderr
    assert "development-only" in result.stdout


def test_refuses_to_start_without_field_encryption_keys():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_makemigrations_check_runs_without_secrets():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG")}
    result = manage("makemigrations", "--check", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_keyless_commands_do_not_open_the_server():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("migrate", "--plan", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_s3_storage_is_private_when_a_bucket_is_configured():
    """With a bucket set, evidence goes to S3-compatible storage: private objects, signed URLs, no overwrites."""
    env = {
        **PRODUCTION_ENV,
        "AWS_STORAGE_BUCKET_NAME": "huabei-evidence",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.invalid",
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    }
    script = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.default_acl, s.querystring_auth, s.file_overwrite)"
    )
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-5:] == ["S3Storage", "huabei-evidence", "private", "True", "False"]
