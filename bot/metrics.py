"""What every process's Prometheus `/metrics` shares: a registry of its own, the buckets, and
gauges read when scraped (docs/operations.md).

Each process (gateway, action server, inbox) builds its own registry rather than using
prometheus_client's global one, so a process shows only its own metrics and tests build fresh
ones. Labels never carry personal data: kinds, results, action names, route templates only.
"""
from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
disable_created_metrics()  # no *_created series: they double the output and no alert needs them

CONTENT_TYPE = CONTENT_TYPE_LATEST
# A turn takes 0.2–3 s when all is well, up to the 30 s after which a turn counts as lost.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
# An action, an NLG text or an inbox page: milliseconds, a second or more only when in trouble.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def new_registry() -> CollectorRegistry:
    """A registry with the process's memory, CPU and open files (process_* metrics)."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def age_seconds(oldest: datetime.datetime | None, now: datetime.datetime) -> float:
    """How long the oldest waiting thing has waited; 0 when nothing waits."""
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive datetimes: they are UTC
        oldest = oldest.replace(tzinfo=datetime.UTC)
    return max((now - oldest).total_seconds(), 0.0)


Gauges = Callable[[], Iterable[tuple[str, str, float]]]  # → (name, help, value), read at scrape time


class ScrapeTime(Collector):
    """Gauges whose values live elsewhere (the database, a task's state), read at each scrape.

    A read that fails (the database is down) leaves its gauges out of that scrape and is logged
    by type: the counters still come, and a missing gauge is itself a signal to alert on."""

    def __init__(self, name: str, read: Gauges) -> None:
        self.name = name
        self.read = read

    def collect(self) -> Iterator[Metric]:
        try:
            values = list(self.read())
        except Exception as error:  # noqa: BLE001 - one failed read must not fail the whole scrape
            logger.warning("metrics: %s not read: %s", self.name, type(error).__name__)
            return
        for name, documentation, value in values:
            yield GaugeMetricFamily(name, documentation, value=value)


class Labelled(Collector):
    """One gauge with a label, its values read at each scrape (e.g. which loops are alive)."""

    def __init__(self, name: str, documentation: str, label: str, read: Callable[[], dict[str, float]]) -> None:
        self.name, self.documentation, self.label, self.read = name, documentation, label, read

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        for value_of_label, value in self.read().items():
            family.add_metric([value_of_label], value)
        yield family
