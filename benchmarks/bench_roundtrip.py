"""`make bench-roundtrip`: the message round trip fake Telegram → gateway → Rasa → actions → reply,
over whole intakes, and the resident memory of each process.

Starts the same stack as the end-to-end tests (real PTB Application, Rasa server with the
trained model, action server; a fake Bot API on loopback) and drives complete intakes through it.
A turn's time runs from the update being offered to the bot until its last reply is sent.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import running_stack
from tests.e2e.intake_driver import IntakeRun

INTAKES = ("en", "de", "ar", "uk", "fa")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), log_level="WARNING") as harness:
        print(f"stack up in {time.monotonic() - started:.1f} s (model, action server, Rasa, gateway, inbox)")
        times: list[float] = []
        for language in INTAKES:
            user = harness.user(language_code=language)
            IntakeRun(user, language, "Sam").complete()
            times += user.turn_seconds
        times.sort()
        p50 = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{len(INTAKES)} whole intakes, {len(times)} turns: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms")
        for service in harness.stack.services:
            print(f"resident memory {service.name:8} {rss_mib(service.process.pid):7.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
