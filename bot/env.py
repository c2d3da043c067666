"""Loads bot/defaults.env into the environment without overriding it.

Rasa reads `${VAR}` placeholders in endpoints.yml and credentials.yml from the
environment, and the action server reads its settings from it, so filling the
environment once from one file gives every process the same configuration.
"""
import os
from pathlib import Path
from typing import Dict, Optional

DEFAULTS_FILE = Path(__file__).with_name("defaults.env")


def read_env_file(path: Path) -> Dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_defaults(path: Optional[Path] = None) -> None:
    for key, value in read_env_file(path or DEFAULTS_FILE).items():
        os.environ.setdefault(key, value)
