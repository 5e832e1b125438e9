"""Content-Security-Policy on every page: scripts only from our own static files, so that no
inline script (an injected one included) runs; the templates therefore hold no inline script."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/does-not-exist/"])
def test_every_page_sends_the_policy(client, db, path):
    policy = _policy(client.get(path))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-eval" not in " ".join(policy.values())


def test_signed_in_pages_and_api_answers_send_it_too(client, api_client, clerk):
    assert "script-src 'self'" in api_client(clerk).get("/api/v1/petitions")["Content-Security-Policy"]
    client.force_login(clerk)
    assert "script-src 'self'" in client.get("/petitions/new/")["Content-Security-Policy"]


def test_no_template_holds_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.I)
    # htmx evaluates trigger filters ("change[...]") and js: values with Function(): eval
    evaluated = re.compile(r"hx-trigger=\"[^\"]*\[|hx-vals=['\"]js:|hx-vars=", re.I)
    found = []
    for template in sorted(ROOT.rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, evaluated):
            found += [f"{template.relative_to(ROOT)}: {m.group(0).strip()}" for m in pattern.finditer(text)]
    assert not found
