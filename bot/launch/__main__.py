"""Runs a command with clinic_common/defaults.env filled into its environment.

Usage: python -m bot.launch rasa run ...
"""

import os
import sys

from clinic_common.settings import fill_environment


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bot.launch COMMAND [ARGS...]")
    fill_environment()
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
