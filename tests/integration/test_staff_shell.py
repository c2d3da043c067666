"""Clinic staff in `make shell`: a real terminal, driven through a pty."""

import itertools
import os
import re
import socket
import sqlite3
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pexpect

from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import ROOT, free_port

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# `make shell` runs this once the model is built (Makefile).
SHELL_SCRIPT = [sys.executable, "-m", "bot.launch", "bash", "bot/launch/shell.sh"]


def spawn_shell(command: List[str], env: Dict[str, str], log: Path) -> pexpect.spawn:
    shell = pexpect.spawn(
        command[0],
        command[1:],
        cwd=ROOT,
        env=env,
        encoding="utf-8",
        timeout=180,
        dimensions=(40, 160),
    )
    shell.logfile_read = log.open("w")
    return shell


def shell_ports() -> Dict[str, str]:
    return {"SHELL_PORT": str(free_port()), "SHELL_ACTION_PORT": str(free_port())}


def own_shell(tmp_path: Path) -> Tuple[pexpect.spawn, List[int]]:
    """The staff shell on ports of its own, as `make shell` starts it."""
    env = {**{k: v for k, v in os.environ.items() if k != "ACTION_SERVER_URL"}, **shell_ports(), "TERM": "xterm"}
    return spawn_shell(SHELL_SCRIPT, env, tmp_path / "shell.log"), [
        int(env["SHELL_PORT"]),
        int(env["SHELL_ACTION_PORT"]),
    ]


def serving(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def listening_addresses(port: int) -> List[str]:
    """The IPv4 addresses a socket listens on at this port (/proc/net/tcp)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def processes_on(port: int) -> List[int]:
    """Processes whose command line names this port (the shell's Rasa
    server and action server are started with `--port N`)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not a process
            continue
        if any(a == b"--port" and b == str(port).encode() for a, b in itertools.pairwise(args)):
            found.append(int(proc.name))
    return found


def assert_stopped_cleanly(shell: pexpect.spawn, ports: List[int], log: Path, timeout: float = 30) -> str:
    """The shell ended by itself, its servers with it, and said nothing alarming."""
    shell.expect(pexpect.EOF, timeout=60)
    shell.close()
    assert shell.exitstatus == 0, f"exit status {shell.exitstatus}, signal {shell.signalstatus}"
    deadline = time.monotonic() + timeout
    while any(serving(port) or processes_on(port) for port in ports):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"still running {timeout}s after the shell ended: "
                + ", ".join(f"port {p}: {processes_on(p)}" for p in ports)
            )
        time.sleep(0.2)
    transcript = ANSI.sub("", log.read_text())
    assert not re.search(r"Traceback|\bERROR\b|Exception|Terminated", transcript), transcript[-3000:]
    return transcript


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
    shell = spawn_shell(["make", "--no-print-directory", "shell"], env, tmp_path / "shell.log")
    try:
        shell.expect("Bot loaded")
        shell.expect("Your input ->")
        shell.sendline("how much does it cost?")
        # Staff see what the assistant understood, then the answer.
        shell.expect(r"\[understood: ask_cost [01]\.\d\d\]")
        shell.expect(r"\$3,000 to \$10,000")
        # The assessment offer comes as buttons: numbered options to pick from.
        shell.expect("Would you like to book a free assessment")
        shell.expect(r"1: Yes, book \(/affirm\)")
        shell.expect("Your input ->")
        shell.sendline("1")
        shell.expect(r"https://www\.yourhairclinic\.com/\?\S*utm_medium=cmdline")
        shell.expect("call you back")
        shell.expect("Your input ->")
        shell.sendline("Yes, call me back")  # an option by its title: the call-back form
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
    assert webhook.attempted == []  # not one POST, accepted or not


def test_staff_type_a_question_at_a_menu_or_pick_by_number_or_title(tmp_path):
    shell, ports = own_shell(tmp_path)
    try:
        shell.expect("Your input ->")
        shell.sendline("how much does it cost?")
        shell.expect(r"1: Yes, book \(/affirm\)")
        shell.expect(r"2: No, thanks \(/deny\)")
        shell.expect("Your input ->")
        # A question typed at the menu is sent and answered, not thrown away.
        shell.sendline("does it hurt?")
        shell.expect(r"\[understood: ask_pain [01]\.\d\d\]")
        shell.expect("local anesthesia")
        shell.expect(r"1: Yes, book \(/affirm\)")
        shell.expect("Your input ->")
        # A number sends that option's payload: /affirm, and the booking link.
        shell.sendline("1")
        shell.expect(r"https://www\.yourhairclinic\.com/\?\S*utm_content=pain")
        shell.expect(r"2: No, thanks \(/deny\)")
        shell.expect("Your input ->")
        # So does its title, however it is capitalised: /deny, certain.
        shell.sendline("no, THANKS")
        shell.expect(r"\[understood: deny 1\.00\]")
        shell.expect("Is there anything else you'd like to know?")
        shell.expect("Your input ->")
        shell.sendcontrol("d")  # Ctrl-D at the text prompt ends the shell
        assert_stopped_cleanly(shell, ports, tmp_path / "shell.log")
    finally:
        shell.close(force=True)


def test_ctrl_c_at_a_menu_ends_the_shell_and_its_servers(tmp_path):
    shell, ports = own_shell(tmp_path)
    try:
        shell.expect("Your input ->")
        assert all(serving(port) and processes_on(port) for port in ports)
        # Both servers are reachable from this machine only.
        assert [listening_addresses(port) for port in ports] == [["127.0.0.1"], ["127.0.0.1"]]
        shell.sendline("how much does it cost?")
        shell.expect(r"2: No, thanks \(/deny\)")
        shell.expect("Your input ->")
        shell.sendcontrol("c")
        transcript = assert_stopped_cleanly(shell, ports, tmp_path / "shell.log")
        assert "Stopping the shell." in transcript
    finally:
        shell.close(force=True)


def test_ctrl_c_while_the_model_loads_stops_the_shell_once_it_is_up(tmp_path):
    shell, ports = own_shell(tmp_path)
    try:
        shell.expect("Loading model")
        shell.sendcontrol("c")
        transcript = assert_stopped_cleanly(shell, ports, tmp_path / "shell.log")
        assert "Stopping the shell once the model has loaded." in transcript
        assert "Your input ->" not in transcript  # no prompt was offered
    finally:
        shell.close(force=True)
