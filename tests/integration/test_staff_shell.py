"""Clinic staff in `make shell`: a real terminal, driven through a pty."""
import os
import re
import sys

import pexpect

from tests.servers import ROOT, free_port

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_staff_ask_pick_a_button_and_quit(tmp_path):
    action_port = free_port()
    env = {
        **os.environ,
        "ACTION_PORT": str(action_port),
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
        "LEADS_DB_URL": f"sqlite:///{tmp_path}/leads.db",
        "PYTHON310": sys.executable,
        "TERM": "xterm",
    }
    shell = pexpect.spawn(
        "make", ["--no-print-directory", "shell"], cwd=ROOT, env=env,
        encoding="utf-8", timeout=180, dimensions=(40, 160),
    )
    shell.logfile_read = (tmp_path / "shell.log").open("w")
    try:
        shell.expect("Bot loaded")
        shell.expect("Your input ->")
        shell.sendline("how much does it cost?")
        shell.expect(r"\$3,000 to \$10,000")
        # The assessment offer comes as buttons: a menu to pick from.
        shell.expect("Would you like to book a free assessment")
        shell.expect("Yes, book")
        shell.send("\r")  # Enter picks the highlighted first option
        shell.expect(r"https://www\.yourhairclinic\.com/\?\S*utm_medium=cmdline")
        shell.expect("call you back")
        shell.send("\x1b[B\r")  # arrow down to "No, thanks"
        shell.expect("anything else")
        shell.expect("Your input ->")
        # The safety check runs in the shell too (it is part of the NLU).
        shell.sendline("my husband collapsed and is not breathing")
        shell.expect("call 911 now")
        shell.expect("Your input ->")
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        shell.close(force=True)
    transcript = ANSI.sub("", (tmp_path / "shell.log").read_text())
    assert "not medical advice" in transcript
    assert "Traceback" not in transcript
