"""The staff inbox's /metrics on the real Starlette app and database: requests by route template
and status class, failed logins, open sessions; served only with the token, or locally without a
proxy in between."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import Settings
from bot.web.app import build_app
from tests.unit.privacy_helpers import PASSWORD, make_settings

LOCAL = ("127.0.0.1", 50000)


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)  # with the accounts anna and root


def log_in(client: TestClient, password: str) -> int:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"login": "anna", "password": password, "csrf": token},
                       follow_redirects=False).status_code


def test_requests_are_counted_by_route_template_and_nothing_personal_shows(settings: Settings) -> None:
    client = TestClient(build_app(settings), client=LOCAL)
    assert log_in(client, "wrong password, typed by mistake") == 401
    assert log_in(client, PASSWORD) == 303
    assert client.get("/cases/K-SECRET-4711").status_code == 404  # no such case
    assert client.get("/wp-login.php").status_code == 404
    scrape = client.get("/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    assert 'lotse_web_requests_total{route="/cases/{case_id}",status="4xx"} 1.0' in text
    assert 'lotse_web_requests_total{route="/login",status="3xx"} 1.0' in text
    assert 'lotse_web_requests_total{route="unmatched",status="4xx"} 1.0' in text
    assert 'lotse_web_login_failures_total{reason="invalid"} 1.0' in text
    assert "lotse_web_sessions_active 1.0" in text
    assert 'lotse_web_request_seconds_count{route="/login"} 4.0' in text  # two pages, two posts
    for personal in ("K-SECRET-4711", "anna", "wrong password", "wp-login"):
        assert personal not in text


def test_metrics_need_the_token_or_a_local_client_without_a_proxy(settings: Settings) -> None:
    remote = TestClient(build_app(settings))  # its client is "testclient", not this machine
    local = TestClient(build_app(settings), client=LOCAL)
    assert remote.get("/metrics").status_code == 403
    assert local.get("/metrics").status_code == 200
    assert local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403  # a proxy's
    with_token = TestClient(build_app(dataclasses.replace(settings, metrics_token="s3cret-token")))
    assert with_token.get("/metrics").status_code == 403
    assert with_token.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert with_token.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
