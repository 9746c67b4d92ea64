"""docs/privacy.md, the record of processing, names settings and their defaults: they must be the
code's, so that what the data protection officer reads is what Lotse does."""
from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.deployment import CrisisHelp, Deployment, Retention, parse_deployment

RECORD = (PROJECT_ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
DEFAULTS = parse_deployment({"name": "x", "municipalities": []})
# A deployment-file setting as the record writes it: `section.key`.
SETTING = re.compile(r"`([a-z_]+)\.([a-z_]+)`")
SECTIONS = {"retention": Retention, "crisis_help": CrisisHelp}


def deployment_settings() -> set[tuple[str, str]]:
    return set(SETTING.findall(RECORD))


def default_of(section: str, key: str) -> Any:
    if section == "age_limits":
        return getattr(DEFAULTS, key)
    return getattr(getattr(DEFAULTS, section), key)


def test_the_record_names_the_retention_periods_and_the_age_limit() -> None:
    named = deployment_settings()
    assert {("retention", f.name) for f in dataclasses.fields(Retention)} <= named
    assert ("age_limits", "own_consent_min_age") in named


@pytest.mark.parametrize(("section", "key"), sorted(deployment_settings()))
def test_every_named_setting_exists(section: str, key: str) -> None:
    if section == "age_limits":
        assert key in {f.name for f in dataclasses.fields(Deployment)}
    else:
        assert key in {f.name for f in dataclasses.fields(SECTIONS[section])}, f"{section}.{key}"


@pytest.mark.parametrize(("section", "key"), sorted(deployment_settings()))
def test_the_retention_table_states_each_default(section: str, key: str) -> None:
    rows = [line for line in RECORD.splitlines() if line.startswith("|") and f"`{section}.{key}`" in line]
    if not rows:
        return  # named in the text, not in the table
    default = default_of(section, key)
    number = int(default) if float(default) == int(default) else default
    # The age limit's row says "deleted at once"; its default is stated in section 3.
    text = RECORD if section == "age_limits" else rows[0]
    assert re.search(rf"\b{number}\b", text), f"{section}.{key}: default {default} not stated"


def test_every_named_environment_variable_is_a_setting() -> None:
    named = set(re.findall(r"`([A-Z][A-Z_]+)`", RECORD)) - {"CONSENT_VERSION"}
    assert named and named <= set(Settings().as_environment())


def test_the_consent_version_the_record_names_exists() -> None:
    from bot.intake.consent import CONSENT_VERSION

    assert "CONSENT_VERSION" in RECORD and CONSENT_VERSION
