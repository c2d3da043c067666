"""Fills in deploy/nginx.conf (a template: its {{NAME}} places) for one
deployment and prints it.

Usage:
  python deploy/render_nginx.py --listen 80 --server-name assistant.yourclinic.example \\
      10.0.0.11:5005 10.0.0.12:5005 > /etc/nginx/conf.d/clinic-assistant.conf

Each address is a Rasa server (host:port), as nginx reaches it.
"""

import argparse
import re
import sys
from pathlib import Path
from typing import List

TEMPLATE = Path(__file__).with_name("nginx.conf")
_ADDRESS = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$")
# What would end a directive or a block early in nginx's syntax.
_UNSAFE = re.compile(r"[;{}#\n\r'\"]")


def render(servers: List[str], listen: str = "80", server_name: str = "_", template: str = "") -> str:
    if not servers:
        raise ValueError("name at least one Rasa server (host:port)")
    for address in servers:
        if not _ADDRESS.match(address):
            raise ValueError(f"{address!r} is not host:port")
    for name, value in (("--listen", listen), ("--server-name", server_name)):
        if not value.strip() or _UNSAFE.search(value):
            raise ValueError(f"{name} {value!r}: give a plain nginx value")
    text = template or TEMPLATE.read_text(encoding="utf-8")
    upstream = "\n".join(f"    server {address};" for address in servers)
    text = text.replace("{{RASA_SERVERS}}", upstream)
    text = text.replace("{{LISTEN}}", listen.strip()).replace("{{SERVER_NAME}}", server_name.strip())
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        raise ValueError(f"the template has places this script does not fill: {', '.join(left)}")
    return text


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("servers", nargs="*", metavar="HOST:PORT", help="the Rasa servers")
    parser.add_argument("--listen", default="80", help="nginx's listen value (default 80)")
    parser.add_argument("--server-name", default="_", help="the public host name (default _: any)")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(args.servers, args.listen, args.server_name))
    except ValueError as problem:
        print(f"render_nginx: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
