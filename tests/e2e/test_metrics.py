"""/metrics through the whole stack: one intake turn after another through the fake Bot API
moves the gateway's and the action server's counters, the backlog gauges are there, and
nothing in any scrape names the person."""
from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Harness

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> tuple[str, Samples]:
    response = httpx.get(url, timeout=10.0)
    assert response.status_code == 200, url
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(response.text) for sample in family.samples}
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_turn_moves_the_counters_and_no_scrape_names_the_person(harness: Harness) -> None:
    settings = harness.settings
    gateway_url = f"http://127.0.0.1:{settings.gateway_health_port}/metrics"
    actions_url = f"{settings.action_server_urls[0]}/metrics"
    inbox_url = f"http://{settings.web_listen}:{settings.web_port}/metrics"
    _, gateway_before = scrape(gateway_url)
    _, actions_before = scrape(actions_url)

    user = harness.user(first_name="Zainab")
    replies = user.say("hello")
    replies = user.press("English", replies)
    replies = user.press("Yes, I agree", replies)
    replies = user.press("Yes, count it", replies)
    assert "What is your first name?" in "\n".join(m.text for m in replies)
    user.say("Zainab")

    gateway_text, gateway = scrape(gateway_url)
    actions_text, actions = scrape(actions_url)
    inbox_text, _ = scrape(inbox_url)  # from this machine, no proxy: allowed without a token

    def moved(after: Samples, before: Samples, name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(gateway, gateway_before, "lotse_gateway_turns_total", kind="text") == 2
    assert moved(gateway, gateway_before, "lotse_gateway_turns_total", kind="button") == 3
    assert moved(gateway, gateway_before, "lotse_gateway_turn_seconds_count") == 5
    assert moved(gateway, gateway_before, "lotse_gateway_sends_total", result="ok") >= 5
    for gauge in ("lotse_gateway_inbound_open", "lotse_gateway_inbound_oldest_seconds", "lotse_outbox_waiting",
                  "lotse_outbox_oldest_seconds", "lotse_outbox_given_up"):
        assert (gauge, ()) in gateway, gauge
    assert value(gateway, "lotse_gateway_loop_alive", loop="sender") == 1
    assert moved(actions, actions_before, "lotse_actions_calls_total", action="validate_intake_form", result="ok") >= 1
    assert moved(actions, actions_before, "lotse_actions_calls_total", action="action_ask_first_name", result="ok") >= 1

    for text in (gateway_text, actions_text, inbox_text):
        assert "Zainab" not in text and str(user.user_id) not in text and "hello" not in text
