"""An error no view handled answers a Chinese page in the product's look with a reference
number that the log carries; a lock wait that timed out in middleware (the session's save) is a
busy system (503, Retry-After), like one in a view."""

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from xinfang.petitions import selectors

PAGE = "/petitions/"


@pytest.fixture
def signed_in(clerk):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    return client


def test_an_unhandled_error_is_a_chinese_page_with_a_reference_in_the_log(signed_in, monkeypatch, caplog):
    # given: the register fails in a way no handler knows
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "petition_list", broken)
    # when
    with caplog.at_level(logging.ERROR, logger="xinfang.errors"):
        response = signed_in.get(PAGE)
    # then
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body
    assert "Server Error" not in body
    reference = body.split('data-testid="error-reference">', 1)[1].split("<", 1)[0]
    assert len(reference) == 12
    logged = [r for r in caplog.records if r.name == "xinfang.errors"]
    assert len(logged) == 1
    assert reference in logged[0].getMessage()
    assert logged[0].exc_info is not None


def test_a_lock_timeout_in_middleware_is_503_with_retry_after(signed_in, monkeypatch):
    # given: the session's save (every request) meets a held write lock once
    real = SessionStore.save
    calls = {"n": 0}

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SessionStore, "save", save)
    # when
    busy = signed_in.get(PAGE)
    after = signed_in.get(PAGE)
    # then
    assert busy.status_code == 503
    assert busy["Retry-After"] == "5"
    assert "系统繁忙，请稍后重试。" in busy.content.decode()
    assert after.status_code == 200
