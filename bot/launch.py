"""Runs a command with clinic_common/defaults.env filled into its environment.

Usage: python -m bot.launch rasa run ...
"""
import os
import sys

from clinic_common.settings import load_defaults


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bot.launch COMMAND [ARGS...]")
    load_defaults()
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
