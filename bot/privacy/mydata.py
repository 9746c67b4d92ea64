"""/mydata as the person reads it: their answers, the pre-screening, their case and the messages
with the team, in their language; then the whole of it as a JSON file (bot/privacy/access.py)."""
from __future__ import annotations

import datetime
from typing import Any

from bot.deployment import Deployment
from bot.eligibility import localize_result
from bot.i18n import format_date_for, translator
from bot.intake.fields import summary
from bot.messages import render
from bot.privacy.access import FILENAME, PersonalData
from bot.rasa_client import Document, Reply

MAX_MESSAGE = 4000  # Telegram allows 4096 characters per message


def _date(moment: datetime.datetime, language: str) -> str:
    return format_date_for(moment.date(), language)


def _sections(data: PersonalData, slots: dict[str, Any], language: str, deployment: Deployment) -> list[str]:
    def say(name: str, **values: Any) -> str:
        return render(name, language, deployment, **values)["text"]

    sections = [say("mydata_intro")]
    if data.intake:
        # The answers as the person gave them and confirmed them in the intake's summary.
        lines = [f"{label}: {value}" for _, label, value in summary(slots, language, deployment)]
        if lines:
            sections.append("\n".join([say("mydata_answers"), *lines]))
        if eligibility := data.intake.get("eligibility"):
            sentences = localize_result(eligibility, translator(language).gettext, language)
            sections.append("\n".join([say("mydata_screening"), *(f"• {s}" for s in sentences)]))
    for case in data.cases:
        team = deployment.team(case.team_id)
        sections.append(say(f"status_{case.state}", reference=case.reference, team=team.name if team else case.team_id,
                            days=team.response_days if team else "", date=_date(case.opened_at, language)))
        if case.messages:
            sections.append("\n".join([say("mydata_messages"), *(
                say("mydata_from_you" if m.from_person else "mydata_from_team", date=_date(m.at, language), text=m.text)
                for m in case.messages)]))
    if data.voice_messages:
        sections.append(say("mydata_voice", count=len(data.voice_messages),
                            date=_date(data.voice_messages[-1].at, language)))
    if data.crisis_message:
        sections.append(say("mydata_crisis"))
    if data.chat:
        sections.append(say("mydata_chat", count=len(data.chat)))
    return sections


def _messages(sections: list[str]) -> list[str]:
    """The sections in as few Telegram messages as fit, split between lines where possible."""
    messages: list[str] = []
    for line in "\n\n".join(sections).split("\n"):
        while len(line) > MAX_MESSAGE:
            messages.append(line[:MAX_MESSAGE])
            line = line[MAX_MESSAGE:]
        if messages and len(messages[-1]) + 1 + len(line) <= MAX_MESSAGE:
            messages[-1] = f"{messages[-1]}\n{line}"
        else:
            messages.append(line)
    return [message.strip() for message in messages if message.strip()]


def my_data_replies(data: PersonalData, slots: dict[str, Any], language: str, deployment: Deployment) -> list[Reply]:
    if data.empty:
        return [Reply(text=render("mydata_none", language, deployment)["text"])]
    texts = _messages(_sections(data, slots, language, deployment))
    return [*(Reply(text=text) for text in texts), Reply(text="", document=Document(FILENAME, data.as_json()))]
