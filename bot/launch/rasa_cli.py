"""Rasa's command line (`python -m bot.launch.rasa_cli run ...`), with skops imported first.

skops 0.9.0, which Rasa 3.6 pins for its LogisticRegressionClassifier, builds
its list of trusted types at import time by looking for each numpy and scipy
type in every loaded module. After Rasa has imported TensorFlow that scan
takes about 3 s; before it, under 1 s. Importing skops first cuts about 2 s
from the server's start and from training (benchmarks/NOTES.md).

Deprecation warnings are hidden: the 40 lines they print at start say nothing
an operator or the clinic's staff can act on. Two things turn them back on:
aiogram (imported by Rasa for its Telegram channel) at import, and Rasa's own
warning filters (every UserWarning "once", pyparsing's deprecations among
them), set when the command starts. So aiogram is imported first, and ours
are put back in front after Rasa's.

`rasa shell` gets the staff's input line (bot/ops/staff_console.py): button menus
they can type at, and Ctrl-C or Ctrl-D that end the shell cleanly.

Two more things happen before Rasa starts:
- log records pass clinic_common/log_privacy.py, which keeps visitors' personal data
  out of INFO, WARNING and ERROR lines;
- `run` opens the HTTP API when RASA_API_TOKEN is set, adding
  `--enable-api --auth-token` here, inside the process: on the command line
  the token would show in `ps` and /proc/*/cmdline to every user of the
  machine. A token given on the command line is refused for that reason,
  and so is `--enable-api` without a token (an open API).
"""

import sys
import warnings

# The order matters: skops before anything that imports TensorFlow.
# isort: off
import skops.io  # noqa: F401  (imported only for the start-up time, see above)
import aiogram.utils.deprecated  # noqa: F401  (its 'always' filter goes in first, below ours)
import rasa.utils.common
from rasa.__main__ import main

from clinic_common import log_privacy
from clinic_common.settings import get_settings

# isort: on


def _hide_deprecations() -> None:
    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)


_rasa_filters = rasa.utils.common._filter_warnings


def _filters_then_ours(*args, **kwargs):  # type: ignore[no-untyped-def]
    _rasa_filters(*args, **kwargs)
    _hide_deprecations()


rasa.utils.common._filter_warnings = _filters_then_ours
_hide_deprecations()


def api_arguments(argv: list) -> list:
    """argv for `rasa run` with the HTTP API opened by RASA_API_TOKEN."""
    if argv[1:2] != ["run"] or argv[2:3] == ["actions"]:
        return argv
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        sys.exit(
            "--auth-token on the command line shows in `ps` to every user of this machine: set RASA_API_TOKEN instead."
        )
    token = get_settings().rasa_api_token
    if not token:
        if "--enable-api" in argv:
            sys.exit(
                "--enable-api without a token would open the conversations to anyone: "
                "set RASA_API_TOKEN, which opens the API by itself."
            )
        return argv
    return [*[arg for arg in argv if arg != "--enable-api"], "--enable-api", "--auth-token", token]


if __name__ == "__main__":
    log_privacy.install()
    sys.argv = api_arguments(sys.argv)
    if sys.argv[1:2] == ["shell"]:
        # Imported for the shell only: other commands start no slower.
        from bot.ops import staff_console

        staff_console.install()
    main()
