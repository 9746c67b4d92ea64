"""Every text Lotse shows, rendered in the person's language.

Texts are defined once, in English, as Rasa-style responses: the ones Rasa utters in
`nlu_data/domain/*.yml`, the ones only the application utters in `bot/messages/messages.yml`.
The English text is the gettext msgid; `render()` translates text and button titles, fills
placeholders and adds the buttons that come from configuration (languages, municipalities).
"""
from __future__ import annotations

from bot.messages.render import render
from bot.messages.responses import Button, Message, Responses, known_responses

__all__ = ["Button", "Message", "Responses", "known_responses", "render"]
