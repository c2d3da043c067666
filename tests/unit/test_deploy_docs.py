"""The README's reverse-proxy example is the tested configuration: its
render_nginx.py command, run as written, prints exactly the nginx file the
README shows (tests/integration/test_scale_out.py runs the same template)."""

import re
import shlex
import subprocess
import sys

from tests.servers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_command_and_output():
    found = re.search(
        r"```bash\n(python deploy/render_nginx\.py[^`]*?)\n```\n\nwhich writes:\n\n```nginx\n(.*?)```",
        README,
        re.S,
    )
    assert found, "README.md no longer shows the render_nginx.py command and its output"
    command, output = found.groups()
    return command.replace("\\\n", " "), output


def run(args):
    return subprocess.run(
        [sys.executable, "deploy/render_nginx.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_readme_shows_what_its_render_command_writes():
    command, shown = readme_command_and_output()
    args, _, target = command.partition(">")
    assert target.strip() == "/etc/nginx/conf.d/clinic-assistant.conf"
    done = run(shlex.split(args)[2:])  # after "python deploy/render_nginx.py"
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    assert "server 10.0.0.11:5005;" in shown and "server_name assistant.yourclinic.example;" in shown


def test_a_bad_address_or_value_gets_a_reason_and_no_file():
    for args, reason in (
        ([], "name at least one Rasa server"),
        (["10.0.0.11"], "is not host:port"),
        (["10.0.0.11:5005; include /etc/passwd"], "is not host:port"),
        (["--server-name", "a; return 200", "10.0.0.11:5005"], "give a plain nginx value"),
    ):
        done = run(args)
        assert done.returncode == 2 and reason in done.stderr and done.stdout == "", args
