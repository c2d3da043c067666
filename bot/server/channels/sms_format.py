"""Turns the assistant's messages into text messages for a phone.

Plain text only: markdown is stripped, buttons become numbered options and
link buttons are written out in full. Only the turn's last message keeps its
options, so a numbered menu never shares a turn with a form question.

Carriers bill per segment. A text in the GSM-7 alphabet takes 160 characters
in one segment and 153 per segment beyond; one character outside it turns the
whole text into UCS-2, 70 and then 67 characters per segment. So English
replies are folded into GSM-7 ("Siobhán O’Brien" becomes "Siobhan O'Brien")
and packed into texts of at most two segments (306 GSM-7 characters); Spanish
replies keep their accents and go out as UCS-2, at most three segments (201
characters). Longer messages are split at sentence boundaries.
"""

import math
import re
import unicodedata
from typing import Any, Dict, List, Tuple

from bot.safety.language import SPANISH, language_of

# GSM 03.38: the basic alphabet, and the extension table whose characters
# take two septets (an escape, then the character).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
GSM7 = set(GSM7_BASIC) | set(GSM7_EXTENSION)
GSM7_TEXT_LIMIT = 2 * 153  # septets: two segments
UCS2_TEXT_LIMIT = 3 * 67  # UTF-16 code units: three segments
# Typography that has a GSM-7 twin.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2022": "-",
        "\u00b7": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u00b0": " degrees",
    }
)

_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
# Bold, italics and code marks; a lone "_" is left alone, since URLs
# (utm_source=...) are full of them.
_EMPHASIS = re.compile(r"(\*\*|(?<![\w/])__|\*|`)(\S(?:.*?\S)?)\1")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7 for ch in text)


def to_gsm7(text: str) -> str:
    """Typography and accented letters folded to their GSM-7 twins where they
    have one ("á" to "a", "’" to "'"); characters with none are kept."""
    text = text.translate(_TYPOGRAPHY)
    if is_gsm7(text):
        return text
    folded = []
    for ch in text:
        if ch not in GSM7:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            ch = base if base and is_gsm7(base) else ch
        folded.append(ch)
    return "".join(folded)


def for_sms(text: str) -> str:
    """The text as it is sent: typography always folded; accented letters too,
    unless the text is Spanish, which keeps its spelling."""
    text = text.translate(_TYPOGRAPHY)
    return text if language_of(text) == SPANISH else to_gsm7(text)


def _encoded_length(text: str) -> Tuple[bool, int]:
    """(GSM-7?, length as carriers count it): septets, the extension table's
    characters counting two; else UTF-16 code units."""
    if is_gsm7(text):
        return True, len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    return False, len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments a carrier bills for this text."""
    gsm7, length = _encoded_length(text)
    single, per_part = (160, 153) if gsm7 else (70, 67)
    return 1 if length <= single else math.ceil(length / per_part)


def fits(text: str) -> bool:
    """At most two GSM-7 segments, or three UCS-2 ones."""
    gsm7, length = _encoded_length(text)
    return length <= (GSM7_TEXT_LIMIT if gsm7 else UCS2_TEXT_LIMIT)


def plain_text(text: str) -> str:
    text = _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return re.sub(r"^#+\s*", "", text, flags=re.MULTILINE).strip()


def render(message: Dict[str, Any], with_options: bool = True) -> str:
    """One bot message as SMS text, with its buttons as numbered options."""
    parts = [plain_text(message.get("text") or "")]
    options = [b for b in message.get("buttons") or [] if not b.get("url")] if with_options else []
    links = [b for b in message.get("buttons") or [] if b.get("url")]
    parts += [f"{b.get('title', 'Link')}: {b['url']}" for b in links]
    if options:
        # A lone option is offered beside a typed answer ("What phone number
        # or email...? 1. Use the number I'm texting from").
        footer = "Reply with a number." if len(options) > 1 else "Reply 1, or type your answer."
        parts.append("\n".join(f"{n}. {b.get('title', '')}" for n, b in enumerate(options, 1)) + "\n" + footer)
    return for_sms("\n".join(p for p in parts if p))


def render_turn(messages: List[Dict[str, Any]]) -> List[str]:
    """A turn's messages as SMS texts. Only the last message keeps its
    numbered options: a reply of "1" answers what was asked last, so a menu
    followed by a form question would leave the texter no way to answer
    both (the channel maps numbers to the last message's options only)."""
    rendered = [render(m, with_options=(i == len(messages) - 1)) for i, m in enumerate(messages)]
    return [r for r in rendered if r]


def option_payloads(message: Dict[str, Any]) -> List[str]:
    """The payloads a numbered reply picks from, in the order shown."""
    return [b.get("payload", "") for b in message.get("buttons") or [] if not b.get("url")]


def _split_long(text: str) -> List[str]:
    pieces: List[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while not fits(sentence):  # one sentence longer than a text
            words, head = sentence.split(" "), ""
            for word in words:
                if fits(f"{head} {word}".strip()):
                    head = f"{head} {word}".strip()
                else:
                    break
            if not head:  # one word longer than a text
                head = words[0]
                while not fits(head):
                    head = head[:-1]
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
            sentence = sentence[len(head) :].lstrip()
        joined = f"{current} {sentence}".strip() if current else sentence
        if fits(joined):
            current = joined
        else:
            pieces.append(current)
            current = sentence
    if current:
        pieces.append(current)
    return pieces


def pack(texts: List[str]) -> List[str]:
    """Packs rendered messages into as few texts as fit (see fits())."""
    out: List[str] = []
    for text in texts:
        for piece in [text] if fits(text) else _split_long(text):
            if out and fits(f"{out[-1]}\n\n{piece}"):
                out[-1] = f"{out[-1]}\n\n{piece}"
            else:
                out.append(piece)
    return out
