"""The input line of `rasa shell` for the clinic's staff (`make shell`).

Rasa's console shows a reply's buttons as a questionary select menu. Staff
could only move through it with the arrow keys: a question typed at it was
thrown away, and Ctrl-C there crashed the input task (questionary answers
None, which Rasa then slices) while the Rasa server went on running.

Here a reply's buttons are listed under it, numbered, and the usual input
line follows: a number or an option's title sends that option's payload,
anything else is sent as typed (as the widget and SMS allow).

Ctrl-C or Ctrl-D at the input line ends the input loop, which stops the
server as /stop does. Ctrl-C while a reply is on its way does what SIGTERM
does: Sanic stops the server. Ctrl-C while the model loads stops the shell
as soon as the server is up (a KeyboardInterrupt there would escape through
Sanic with a traceback, and killing the process would leave the unpacked
model behind). Either way bot/launch/shell.sh then stops the action server.
Without this, a Ctrl-C between two prompts raised a KeyboardInterrupt
wherever the code happened to be: prompt_toolkit takes SIGINT over while it
reads a line, then hands it back to Python's default.

Installed by bot/launch/rasa_cli.py: `install()` replaces Rasa's
`console._get_user_input`, which `console.record_messages` calls every turn.
"""

import asyncio
import os
import signal
from typing import Any, Dict, List, Optional

import questionary
from prompt_toolkit.styles import Style
from rasa.core.channels import console
from rasa.shared.utils.cli import print_color
from rasa.shared.utils.io import bcolors

PROMPT = "Your input ->"
_PROMPT_STYLE = Style([("qmark", "#b373d6"), ("", "#b373d6")])


def options_of(message: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return list((message or {}).get("buttons") or [])


def option_line(number: int, button: Dict[str, Any]) -> str:
    """As `1: Yes, book (/affirm)`: staff see the payload it sends."""
    target = button.get("payload") or button.get("url") or ""
    return f"{number}: {button.get('title', '')}" + (f" ({target})" if target else "")


def message_for(typed: str, options: List[Dict[str, Any]]) -> str:
    """What to send for what was typed at a menu: the payload of the option
    picked by its number or its title, else the text itself."""
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        chosen: Optional[Dict[str, Any]] = options[int(typed) - 1]
    else:
        wanted = " ".join(typed.split()).casefold()
        chosen = next((b for b in options if " ".join(str(b.get("title", "")).split()).casefold() == wanted), None)
    if chosen is None:
        return typed
    return chosen.get("payload") or chosen.get("title") or typed


def show(message: Dict[str, Any]) -> None:
    """The turn's last message as Rasa prints any other, then its options."""
    console._print_bot_output({key: value for key, value in message.items() if key != "buttons"})
    for number, button in enumerate(options_of(message), 1):
        print_color(option_line(number, button), color=bcolors.OKBLUE)
    if options_of(message):
        print_color("(type a number, an option, or your own message)", color=bcolors.OKBLUE)


_stop_when_up = False


def _stop_once_loaded(*_: Any) -> None:
    global _stop_when_up
    _stop_when_up = True
    print_color("Stopping the shell once the model has loaded.", color=bcolors.OKBLUE)


def _stop_as_sigterm(*_: Any) -> None:
    print_color("Stopping the shell.", color=bcolors.OKBLUE)
    os.kill(os.getpid(), signal.SIGTERM)


def install() -> None:
    """Called before Rasa's command line starts. Sanic puts its own SIGINT
    handler (a graceful stop) in place of this one once the server runs."""
    console._get_user_input = get_user_input  # type: ignore[assignment]
    signal.signal(signal.SIGINT, _stop_once_loaded)


async def read_line() -> Optional[str]:
    """One line from the staff member; None on Ctrl-C or Ctrl-D."""
    question = questionary.text("", qmark=PROMPT, style=_PROMPT_STYLE)
    try:
        # unsafe_: questionary's own ask would print "Cancelled by user" and
        # answer None to Ctrl-C only; Ctrl-D (EOFError) would escape.
        return await question.unsafe_ask_async()
    except (KeyboardInterrupt, EOFError):
        print_color("Stopping the shell.", color=bcolors.OKBLUE)
        return None
    finally:
        # prompt_toolkit has just handed SIGINT back to Python's default.
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, _stop_as_sigterm)


async def get_user_input(previous_response: Optional[Dict[str, Any]]) -> Optional[str]:
    """Rasa's `_get_user_input`: shows the last message of the turn, then
    reads what to send next (None ends the shell)."""
    if _stop_when_up:
        return None
    if previous_response is not None:
        show(previous_response)
    options = options_of(previous_response)
    while True:
        typed = await read_line()
        if typed is None:
            return None
        typed = typed.strip()
        if typed:  # an empty line sends nothing
            return message_for(typed, options)
