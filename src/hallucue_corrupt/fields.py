"""Row fields: an image field holds one image or a list; a text field a string or messages.

Chat messages follow TRL / verl / OpenAI style: ``[{"role": "user", "content": ...}]``
where content is a string (verl: with ``<image>`` placeholders) or a list of parts
(TRL: ``{"type": "text", "text": ...}`` and ``{"type": "image"}``). Text corruptions touch
the text of ``user`` messages only; system prompts and image parts stay as they are.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from .functional.text import PLACEHOLDER, count_placeholders

__all__ = [
    "FieldError",
    "count_images",
    "count_text_placeholders",
    "image_items",
    "map_texts",
    "strip_placeholders",
    "without_addresses",
]

TEXT_ROLES = ("user",)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def without_addresses(text: str) -> str:
    """``text`` without memory addresses (``<_io.BytesIO object at 0x…>``), so an error or
    reason recorded from an exception is the same text in every run."""
    return _ADDRESS.sub("", text)


class FieldError(ValueError):
    """A field whose structure the library cannot read; the message names key and field."""


def image_items(value: Any) -> tuple[list[Any], bool]:
    """The images of a field as a list, and whether the field is a list."""
    if isinstance(value, (list, tuple)):
        return list(value), True
    return ([] if value is None else [value]), False


def count_images(value: Any) -> int:
    """Images in an image field (None counts as none)."""
    return sum(1 for v in image_items(value)[0] if v is not None)


def _text_slots(value: Any, column: str) -> Iterator[tuple[str, Callable[[Any, str], None], str]]:
    """Yield (where, setter, text) for each corruptible text of a messages value."""
    for m, message in enumerate(value):
        if not isinstance(message, dict) or "content" not in message or "role" not in message:
            raise FieldError(f"{column}[{m}] is not a chat message with 'role' and 'content'")
        if message.get("role") not in TEXT_ROLES:
            continue
        content = message["content"]
        if isinstance(content, str):
            yield f"{column}[{m}].content", _setter(m, None), content
        elif isinstance(content, list):
            for p, part in enumerate(content):
                if isinstance(part, dict) and part.get("type") == "text":
                    yield f"{column}[{m}].content[{p}].text", _setter(m, p), part.get("text") or ""
        elif content is not None:
            raise FieldError(f"{column}[{m}].content must be a string or a list of parts")


def _setter(m: int, p: int | None) -> Callable[[Any, str], None]:
    def put(messages: Any, text: str) -> None:
        if p is None:
            messages[m]["content"] = text
        else:
            messages[m]["content"][p]["text"] = text

    return put


def map_texts(value: Any, column: str, fn: Callable[[str, str, int], str]) -> Any:
    """Apply ``fn(text, where, slot)`` to each corruptible text; return a new value.

    Strings map directly; message lists are deep-copied first, so the caller's objects
    never change.
    """
    if isinstance(value, str):
        return fn(value, column, 0)
    if not isinstance(value, list):
        raise FieldError(
            f"{column} must be a string or a list of chat messages, got {type(value).__name__}"
        )
    slots = list(_text_slots(value, column))
    out = copy.deepcopy(value)
    for slot, (where, put, text) in enumerate(slots):
        put(out, fn(text, where, slot))
    return out


def count_text_placeholders(value: Any) -> int:
    """Image placeholders in a text field: ``<image>`` tokens plus ``{"type": "image"}`` parts."""
    if isinstance(value, str):
        return count_placeholders(value)
    if not isinstance(value, list):
        return 0  # None, or a value map_texts rejects with a clear error
    total = 0
    for message in value:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            total += count_placeholders(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image":
                    total += 1
                elif isinstance(part, dict) and part.get("type") == "text":
                    total += count_placeholders(part.get("text") or "")
    return total


def strip_placeholders(value: Any, column: str) -> tuple[Any, int]:
    """The text field without image placeholders (``<image>`` tokens and image parts), and
    how many were removed; message lists are deep-copied."""
    if value is None:
        return None, 0
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, ""), count_placeholders(value)
    if not isinstance(value, list):
        raise FieldError(
            f"{column} must be a string or a list of chat messages, got {type(value).__name__}"
        )
    out = copy.deepcopy(value)
    removed = 0
    for message in out:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            removed += count_placeholders(content)
            message["content"] = content.replace(PLACEHOLDER, "")
        elif isinstance(content, list):
            kept = []
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image":
                    removed += 1
                    continue
                if isinstance(part, dict) and part.get("type") == "text" and part.get("text"):
                    removed += count_placeholders(part["text"])
                    part["text"] = part["text"].replace(PLACEHOLDER, "")
                kept.append(part)
            message["content"] = kept
    return out, removed
