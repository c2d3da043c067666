"""What a text means before the assistant reads it: a carrier keyword (STOP,
START, HELP...) or a pick from the numbered options of the last text.

Keywords are matched as Twilio and the carriers match them: the whole
message, once case, white space and punctuation are set aside ("Stop.",
" stop! ", "STOP ALL", "opt out"). A polite word around one ("stop please")
still counts. The channel runs the red-flag screen first, so "Stop the
bleeding" or "End it all" never become a silent opt-out.
"""

import re
import unicodedata
from typing import Optional

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN = frozenset({"START", "UNSTOP"})
# "YES" opts back in only a number that opted out (Twilio's rule too).
OPT_IN_IF_OPTED_OUT = frozenset({"YES"})
HELP = frozenset({"HELP", "INFO"})
KEYWORDS = OPT_OUT | OPT_IN | OPT_IN_IF_OPTED_OUT | HELP
_POLITE = frozenset({"PLEASE", "PLS", "PLZ", "THANKS", "THANK", "YOU", "NOW"})
_OPTION = re.compile(r"^(?:#|no\.?|option|opt\.?)?\s*([0-9]{1,2})\s*[.)]?$", re.IGNORECASE)


def _fold(text: str) -> str:
    # NFKC turns "①" into "1" and "²" into "2", and full-width letters into
    # plain ones, as a phone keyboard may type them.
    return unicodedata.normalize("NFKC", text)


def keyword(text: str) -> Optional[str]:
    """The carrier keyword this text is, if it is one."""
    words = re.sub(r"[^\w\s]", " ", _fold(text)).upper().split()
    if not words or len(words) > 4:
        return None
    joined = "".join(words)  # "STOP ALL" is STOPALL, "OPT OUT" is OPTOUT
    if joined in KEYWORDS:
        return joined
    core = [w for w in words if w not in _POLITE]
    if len(core) == 1 and core[0] in KEYWORDS - OPT_IN_IF_OPTED_OUT:
        return core[0]
    return None


def option_number(text: str) -> Optional[int]:
    """The number of a numbered-option reply ("2", "2.", "#2", "2)", "②")."""
    match = _OPTION.match(_fold(text).strip())
    return int(match.group(1)) if match else None
