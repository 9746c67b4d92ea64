"""Benchmark the eligibility engine: 10,000 seeded random profiles, all programmes.

    .venvs/app/bin/python benchmarks/bench_eligibility.py [--profiles N] [--seed S] [--as-of YYYY-MM-DD]

Prints profile-evaluations per second (one profile against every programme and
referral service) and programme-evaluations per second. Single process; the rules
is loaded once before timing, as in the bot.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.eligibility import load_rules
from bot.eligibility.model import STATUS_CODES

NATIONALITIES = ["SY", "AF", "IQ", "IR", "ER", "SO", "TR", "GE", "MD", "AL", "XK", "RS", "UA", "RU",
                 "NG", "GN", "CO", "VE", "DZ", "PL", "stateless", "unknown", None]
AGS = ["05170024", "05170048", "05162024", "05162016", "05954036", "05911000", "05111000", "05913000",
       "03403000", "03401000", "03458014", "03451007", "03461001", "04011000", "09162000", "05", None]
STATUSES = [*sorted(STATUS_CODES), "unknown", None]


def _date_text(rng: random.Random, start: date, end: date, precision: str) -> str:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    return {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[precision]


def profiles(count: int, seed: int, as_of: date) -> list[dict]:
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        arrival = _date_text(rng, date(2012, 1, 1), as_of, rng.choice(["day", "day", "month"]))
        profile = {
            "birth_date": rng.choice([_date_text(rng, date(1955, 1, 1), date(2012, 12, 31),
                                                 rng.choice(["day"] * 8 + ["year"])), "unknown", None]),
            "nationality": rng.choice(NATIONALITIES),
            "residence_status": rng.choice(STATUSES),
            "employment_permitted": rng.choice(["yes", "no", "unknown", None]),
            "arrival_date": rng.choice([arrival, arrival, None]),
            "asylum_application_date": rng.choice([arrival, None, "unknown"]),
            "municipality": {"ags": rng.choice(AGS), "name": "x"},
            "in_reception_facility": rng.choice([True, False, False, None]),
            "gender": rng.choice(["female", "male", "diverse", "undisclosed"]),
        }
        result.append(profile)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 22))
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the fastest is reported")
    args = parser.parse_args()

    rules = load_rules()
    per_profile = len(rules.programmes) + len(rules.referrals)
    batch = profiles(args.profiles, args.seed, args.as_of)

    print(f"profiles:                {len(batch)} (seed {args.seed}, as of {args.as_of})")
    print(f"programmes per profile:  {per_profile} "
          f"({len(rules.programmes)} programmes + {len(rules.referrals)} referral services)")
    times, cpu_times = [], []
    for run in range(1, args.repeat + 1):
        # Pass 1 is a freshly started process (cold caches of the interpreter); both are printed.
        wall, cpu = time.perf_counter(), time.process_time()
        for profile in batch:
            rules.evaluate(profile, args.as_of)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        times.append(wall)
        cpu_times.append(cpu)
        label = f"pass {run}{' (cold)' if run == 1 else ''}:"
        print(f"{label:<25}{wall:.3f} s wall, {cpu:.3f} s CPU, {len(batch) / wall:,.0f} profile-evaluations/s")
    print(f"profile-evaluations/s:   {len(batch) / times[0]:,.0f} cold, {len(batch) / min(times):,.0f} best")
    print(f"programme-evaluations/s: {len(batch) * per_profile / times[0]:,.0f} cold, "
          f"{len(batch) * per_profile / min(times):,.0f} best")
    # CPU time stays comparable when other work shares the machine; wall time does not.
    print(f"per CPU second:          {len(batch) / min(cpu_times):,.0f} profile-evaluations (best pass)")


if __name__ == "__main__":
    main()
