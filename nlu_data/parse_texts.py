"""Parse texts with the trained model's NLU (runs in the Rasa environment).

`python nlu_data/parse_texts.py MODEL IN.json OUT.json` (used by `make answers-report`): IN is a JSON list of texts, OUT a JSON
object text → Rasa's parse (intent, intent_ranking, entities), as the form's actions see it.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


async def parse_all(model: str, texts: list[str]) -> dict[str, dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    parsed = {}
    for text in texts:
        result = await agent.parse_message(text)
        parsed[text] = {key: result.get(key) for key in ("text", "intent", "intent_ranking", "entities")}
    return parsed


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the model's own components (nlu_data/)
    model, source, target = sys.argv[1:4]
    texts = json.loads(Path(source).read_text(encoding="utf-8"))
    parsed = asyncio.run(parse_all(model, texts))
    Path(target).write_text(json.dumps(parsed, ensure_ascii=False, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
