"""Babel extractor for response files (Rasa domain and bot/messages): texts and button titles."""
from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml


def extract_responses(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) for every text and button title."""
    loader = yaml.SafeLoader(fileobj.read().decode("utf-8"))
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if root is None:
        return
    for key, value in root.value:
        if key.value != "responses":
            continue
        for name_node, variants in value.value:
            for variant in variants.value:
                yield from _variant_messages(name_node.value, variant)


def _variant_messages(name: str, variant: yaml.MappingNode) -> Iterator[tuple[int, str, str, list[str]]]:
    for key, value in variant.value:
        if key.value == "text":
            yield value.start_mark.line + 1, "", value.value, [f"response: {name}"]
        elif key.value == "buttons":
            for button in value.value:
                for button_key, button_value in button.value:
                    if button_key.value == "title":
                        yield button_value.start_mark.line + 1, "", button_value.value, [f"button of: {name}"]
