"""Turns the assistant's messages into text messages for a phone.

Plain text only: markdown is stripped, buttons become numbered options and
link buttons are written out in full. Messages are packed into texts of at
most 320 characters (two SMS segments), split at sentence boundaries where a
single message is longer.
"""
import re
from typing import Any, Dict, List

SMS_LIMIT = 320

_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
# Bold, italics and code marks; a lone "_" is left alone, since URLs
# (utm_source=...) are full of them.
_EMPHASIS = re.compile(r"(\*\*|(?<![\w/])__|\*|`)(\S(?:.*?\S)?)\1")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def plain_text(text: str) -> str:
    text = _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return re.sub(r"^#+\s*", "", text, flags=re.MULTILINE).strip()


def render(message: Dict[str, Any]) -> str:
    """One bot message as SMS text, with its buttons as numbered options."""
    parts = [plain_text(message.get("text") or "")]
    options = [b for b in message.get("buttons") or [] if not b.get("url")]
    links = [b for b in message.get("buttons") or [] if b.get("url")]
    parts += [f"{b.get('title', 'Link')}: {b['url']}" for b in links]
    if options:
        parts.append(
            "\n".join(f"{n}. {b.get('title', '')}" for n, b in enumerate(options, 1))
            + "\nReply with a number."
        )
    return "\n".join(p for p in parts if p)


def option_payloads(message: Dict[str, Any]) -> List[str]:
    """The payloads a numbered reply picks from, in the order shown."""
    return [b.get("payload", "") for b in message.get("buttons") or [] if not b.get("url")]


def _split_long(text: str, limit: int) -> List[str]:
    pieces: List[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:  # one sentence longer than a text
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].rstrip())
            sentence = sentence[cut:].lstrip()
        joined = f"{current} {sentence}".strip() if current else sentence
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = sentence
    if current:
        pieces.append(current)
    return pieces


def pack(texts: List[str], limit: int = SMS_LIMIT) -> List[str]:
    """Packs rendered messages into as few texts of at most `limit` as fit."""
    out: List[str] = []
    for text in texts:
        for piece in _split_long(text, limit) if len(text) > limit else [text]:
            if out and len(out[-1]) + 2 + len(piece) <= limit:
                out[-1] = f"{out[-1]}\n\n{piece}"
            else:
                out.append(piece)
    return out
