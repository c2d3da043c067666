"""Keeps visitors' personal data out of INFO, WARNING and ERROR log lines.

Rasa 3.6 and rasa-sdk put it there when an action fails: rasa-sdk answers
with the whole request (the tracker: every message, the name and phone typed
into the call-back form), and Rasa logs that answer in the traceback of
"Encountered an exception while running action"; SQLAlchemy's errors carry
the statement's parameters (the lead's name and contact) and PostgreSQL's
the offending values. Rasa's own debug lines quote every message.

`install()` sets a log record factory, so every record of the process passes
here, whoever logs it and wherever it goes. A record at INFO or above keeps
its message and its traceback's frames (file, line, code), but:
- an exception's text is kept only for kinds whose text is about the
  machine, not the conversation (connections, timeouts, Rasa's own errors),
  and even then cut of request bodies, SQL parameters and DETAIL lines;
  any other exception shows its kind alone;
- the same cuts apply to the message, which may quote an exception.
When debug logging is switched on (`--debug`, or LOG_LEVEL=DEBUG), what was
cut goes to a DEBUG record just before: it may hold personal data.
"""

import asyncio
import concurrent.futures
import logging
import re
import traceback
from typing import List, Optional, Tuple

WITHHELD = "(withheld: may hold personal data; shown with debug logging)"

# Where exception texts carry request bodies and stored values.
_CUTS = [
    # rasa.utils.endpoints.ClientResponseError: the action server's answer
    (re.compile(r"body='.*", re.DOTALL), f"body={WITHHELD}"),
    # SQLAlchemy: the statement's values
    (re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL), f"[parameters: {WITHHELD}]"),
    # PostgreSQL: "DETAIL:  Key (contact)=(+12125550142) already exists."
    (re.compile(r"^DETAIL:.*$", re.MULTILINE), f"DETAIL: {WITHHELD}"),
]


def _safe_kinds() -> Tuple[type, ...]:
    """Exceptions whose text describes the machine, not the conversation."""
    kinds: List[type] = [OSError, asyncio.TimeoutError, concurrent.futures.TimeoutError]
    for module, names in (
        ("aiohttp", ("ClientError",)),
        ("rasa.shared.exceptions", ("RasaException",)),
        ("sanic.exceptions", ("SanicException",)),
        ("sqlalchemy.exc", ("OperationalError",)),
        ("redis.exceptions", ("ConnectionError", "TimeoutError")),
    ):
        try:
            imported = __import__(module, fromlist=list(names))
        except ImportError:
            continue
        kinds.extend(getattr(imported, name) for name in names)
    return tuple(kinds)


def cut(text: str) -> str:
    for pattern, replacement in _CUTS:
        text = pattern.sub(replacement, text)
    return text


def _exception_line(error: BaseException, safe: Tuple[type, ...]) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    text = str(error)
    if not text:
        return name
    if not isinstance(error, safe):
        return f"{name}: {WITHHELD}"
    return f"{name}: {cut(text)}"


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def safe_traceback(error: BaseException, safe: Tuple[type, ...]) -> str:
    """A traceback as Python prints it, each exception's text as above."""
    chain: List[Tuple[BaseException, str]] = []
    seen = set()
    current: Optional[BaseException] = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts = []
    for exception, link in reversed(chain):
        frames = traceback.extract_tb(exception.__traceback__)
        if frames:
            parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)))
        parts.append(_exception_line(exception, safe) + "\n")
        if link:
            parts.append(link)
    return "".join(parts).rstrip("\n")


def install() -> None:
    """Makes every record of this process pass through the rules above."""
    original = logging.getLogRecordFactory()
    if getattr(original, "keeps_personal_data_out", False):
        return
    safe = _safe_kinds()

    def factory(name, level, fn, lno, msg, args, exc_info, func=None, sinfo=None, **kwargs):
        record = original(name, level, fn, lno, msg, args, exc_info, func, sinfo, **kwargs)
        if level < logging.INFO:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it itself
            return record
        safe_message = cut(message)
        error = exc_info[1] if isinstance(exc_info, tuple) and exc_info[1] is not None else None
        if safe_message == message and error is None:
            return record
        full = None
        if error is not None:
            full = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
            record.exc_info, record.exc_text = None, safe_traceback(error, safe)
        record.msg, record.args = safe_message, ()
        withheld = safe_message != message or (full is not None and full != record.exc_text)
        logger = logging.getLogger(name)
        if withheld and logger.isEnabledFor(logging.DEBUG):
            detail = original(
                name,
                logging.DEBUG,
                fn,
                lno,
                "Debug logging is on: the next %s line in full (it may hold personal data):\n%s%s",
                (record.levelname, message, f"\n{full}" if full else ""),
                None,
                func,
                None,
            )
            logger.handle(detail)
        return record

    factory.keeps_personal_data_out = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
