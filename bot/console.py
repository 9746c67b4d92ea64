"""`lotse chat`: the same conversation as on Telegram, in a terminal."""
from __future__ import annotations

import asyncio
import uuid

from bot.conversation import COMMANDS, Conversations, Person
from bot.rasa_client import RasaClient, Reply


def _show(replies: list[Reply], numbered: dict[str, tuple[str, str]]) -> None:
    numbered.clear()
    for reply in replies:
        if reply.reaction:
            print(f"\n{reply.reaction} (passed on to the team)")
            continue
        if reply.document:
            print(f"\nLotse sends the file {reply.document.filename}:\n{reply.document.content.decode('utf-8')}")
            continue
        print(f"\nLotse: {reply.text}")
        for index, button in enumerate(reply.buttons, start=1):
            numbered[str(index)] = (button["payload"], button["title"])
            print(f"   [{index}] {button['title']}")


async def chat(conversations: Conversations, language_code: str | None) -> None:
    person = Person(conversation_id=f"console:{uuid.uuid4().hex[:12]}", channel="console", language_code=language_code)
    print("Type your answers; a number chooses a button. "
          "/language, /help, /restart, /human, /status, /privacy, /delete, /mydata; Ctrl-D ends.")
    numbered: dict[str, tuple[str, str]] = {}
    _show(await conversations.command(person, "start"), numbered)
    while True:
        try:
            line = await asyncio.to_thread(input, "\nYou: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        line = line.strip()
        if line in numbered:
            replies = await conversations.button(person, *numbered[line])
        elif line.startswith("/") and line[1:] in (*COMMANDS, "privacy", "delete", "status", "mydata"):
            replies = await conversations.command(person, line[1:])
        else:
            replies = await conversations.text(person, line)
        _show(replies, numbered)


async def run_chat(conversations: Conversations, rasa: RasaClient, language_code: str | None) -> None:
    try:
        await chat(conversations, language_code)
    finally:
        await rasa.close()
