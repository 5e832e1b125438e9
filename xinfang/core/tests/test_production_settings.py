"""Production settings, imported in a child process with a controlled environment (the test
process has its settings already): host names required, HTTPS hardening; and no caching of pages
or API answers that carry personal data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NAMES = (
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "DEBUG",
)
PROBE = (
    "import json, config.settings.production as s;"
    f"print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))"
)


def _production(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "XINFANG_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 50,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def _settings(tmp_path: Path, **env: str) -> dict:  # type: ignore[type-arg]
    done = _production(tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("hosts", [None, "", " , ", "*"])
def test_production_refuses_to_start_without_explicit_host_names(tmp_path, hosts):
    env = {} if hosts is None else {"ALLOWED_HOSTS": hosts}
    done = _production(tmp_path, **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "ALLOWED_HOSTS" in done.stderr
    assert "生产环境必须" in done.stderr


def test_production_with_host_names_and_no_https_serves_plain_http(tmp_path):
    values = _settings(tmp_path, ALLOWED_HOSTS="xinfang.county.gov, 10.0.0.5")
    assert values["ALLOWED_HOSTS"] == ["xinfang.county.gov", "10.0.0.5"]
    assert values["DEBUG"] is False
    assert not values["SECURE_SSL_REDIRECT"]
    assert not values["SECURE_HSTS_SECONDS"]
    assert not values["SESSION_COOKIE_SECURE"]


def test_production_on_https_redirects_sends_hsts_and_secure_cookies(tmp_path):
    values = _settings(tmp_path, ALLOWED_HOSTS="xinfang.county.gov", HTTPS="1")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    # trusting X-Forwarded-Proto is a decision about the proxy in front, off unless asked for
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_a_tls_proxy_the_forwarded_protocol_is_trusted_when_asked(tmp_path):
    values = _settings(tmp_path, ALLOWED_HOSTS="xinfang.county.gov", HTTPS="1", TRUST_X_FORWARDED_PROTO="1")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- no-store (every environment) -------------------------------------------------


def test_signed_in_pages_are_not_stored(client, clerk):
    client.force_login(clerk)
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_stored(api_client, clerk):
    response = api_client(clerk).get("/api/v1/petitions")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_may_be_cached_as_before(client, db):
    response = client.get("/accounts/login/")
    assert "no-store" not in response.get("Cache-Control", "")
