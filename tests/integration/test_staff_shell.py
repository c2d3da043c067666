"""Clinic staff in `make shell`: a real terminal, driven through a pty."""
import os
import re
import socket
import sqlite3
import sys

import pexpect

from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import ROOT, free_port

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_staff_ask_pick_a_button_and_quit(tmp_path):
    # `make run` is up: its ports are taken. The shell has ports of its own.
    taken = [socket.socket() for _ in range(2)]
    for sock in taken:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
    shell_leads = ROOT / "var" / "shell" / "leads.db"
    shell_leads.unlink(missing_ok=True)
    webhook = FakeClinicWebhook().__enter__()
    env = {
        **{k: v for k, v in os.environ.items() if k != "ACTION_SERVER_URL"},
        "RASA_PORT": str(taken[0].getsockname()[1]),
        "ACTION_PORT": str(taken[1].getsockname()[1]),
        "SHELL_PORT": str(free_port()),
        "SHELL_ACTION_PORT": str(free_port()),
        # What production would use: the shell's test mode must not touch it.
        "LEADS_DB_URL": f"sqlite:///{tmp_path}/clinic-leads.db",
        "CLINIC_WEBHOOK_URL": webhook.url,
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
        # Staff see what the assistant understood, then the answer.
        shell.expect(r"\[understood: ask_cost [01]\.\d\d\]")
        shell.expect(r"\$3,000 to \$10,000")
        # The assessment offer comes as buttons: a menu to pick from.
        shell.expect("Would you like to book a free assessment")
        shell.expect("Yes, book")
        shell.send("\r")  # Enter picks the highlighted first option
        shell.expect(r"https://www\.yourhairclinic\.com/\?\S*utm_medium=cmdline")
        shell.expect("call you back")
        shell.send("\r")  # "Yes, call me back": the call-back form
        shell.expect("name")
        shell.sendline("Test Staff")
        shell.expect("phone number or email")
        shell.sendline("frontdesk@example.com")
        shell.expect("city")
        shell.sendline("Denver")
        shell.expect("Thanks, Test Staff!")
        shell.expect("Your input ->")
        # The safety check runs in the shell too (it is part of the NLU).
        shell.sendline("my husband collapsed and is not breathing")
        shell.expect(r"\[understood: emergency 1\.00; safety: emergency \(\w+\)\]")
        shell.expect("call 911 now")
        shell.expect("Your input ->")
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        shell.close(force=True)
        webhook.__exit__(None, None, None)
        for sock in taken:
            sock.close()
    transcript = ANSI.sub("", (tmp_path / "shell.log").read_text())
    assert "not medical advice" in transcript and "Test mode" in transcript
    assert "Traceback" not in transcript and "DeprecationWarning" not in transcript
    # The test lead stayed in the shell's own database; the clinic got nothing.
    with sqlite3.connect(shell_leads) as db:
        assert db.execute("select contact from leads").fetchall() == [("frontdesk@example.com",)]
    assert not (tmp_path / "clinic-leads.db").exists()
    assert webhook.received == []
