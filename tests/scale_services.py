"""Real PostgreSQL, Redis and nginx servers on loopback for the scale-out
test (and nginx for the rate limits behind a proxy).

Debian's packages (installed by `make services`); the servers live in a
temporary folder and stop with the test. PostgreSQL refuses to run as root,
so as root its commands run as the `postgres` system user. PostgreSQL and
Redis can be halted and resumed on the same port with the same data, as an
outage would.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

from tests.servers import ROOT, free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make services`")
    return found[-1]


def _as_postgres(args: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresServer:
    def __init__(self) -> None:
        # Its own folder under /tmp: pytest's are private to root, and as
        # root the server runs as the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-pg-")) / "data"
        self.port = free_port()
        self.url = f"postgresql://clinic@127.0.0.1:{self.port}/clinic"
        self.process = None

    def start(self) -> "PostgresServer":
        self.dir.mkdir()
        os.chmod(self.dir.parent, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.dir), "-U", "clinic", "-A", "trust", "--no-sync"]),
            check=True,
            capture_output=True,
        )
        self.resume()
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "clinic",
                "-d",
                "postgres",
                "-c",
                "CREATE DATABASE clinic",
            ],
            check=True,
            capture_output=True,
        )
        return self

    def halt(self) -> None:
        """Stops the server, keeping its data (an outage). Fast shutdown: it
        cuts the Rasa servers' open connections rather than wait for them."""
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "stop", "-D", str(self.dir), "-m", "fast", "-w"]),
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.process.wait(timeout=30)

    def resume(self) -> None:
        """Starts the server on its port and data, and waits until it answers."""
        self.process = subprocess.Popen(
            _as_postgres(
                [
                    _pg_bin("postgres"),
                    "-D",
                    str(self.dir),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.dir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "max_connections=200",
                    "-c",
                    "fsync=off",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while (
            subprocess.run(
                [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            ).returncode
            != 0
        ):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.halt()
        shutil.rmtree(self.dir.parent, ignore_errors=True)


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process = None

    def start(self) -> "RedisServer":
        self.resume()
        return self

    def halt(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def resume(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("Redis is not installed: run `make services`")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip()
            != "PONG"
        ):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Redis did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.halt()


NGINX = "/usr/sbin/nginx"


def render_nginx(servers: List[str], listen: str) -> str:
    """deploy/nginx.conf for these Rasa servers, made as the README says."""
    done = subprocess.run(
        [sys.executable, "deploy/render_nginx.py", "--listen", listen, *servers],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


class NginxServer:
    """Debian's nginx serving one http-level configuration file (the rendered
    deploy/nginx.conf), with an access log that names the upstream server
    each request went to."""

    def __init__(self, site_conf: str, port: int) -> None:
        # Under /tmp and open to all: as root, nginx's workers run as nobody.
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-nginx-"))
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.site_conf = site_conf
        self.access_log = self.dir / "access.log"
        self.process = None

    def start(self) -> "NginxServer":
        if not os.path.exists(NGINX):
            raise RuntimeError("nginx is not installed: run `make services`")
        os.chmod(self.dir, 0o755)
        (self.dir / "temp").mkdir(mode=0o777)
        os.chmod(self.dir / "temp", 0o777)
        (self.dir / "clinic.conf").write_text(self.site_conf)
        temp = self.dir / "temp"
        (self.dir / "nginx.conf").write_text(f"""
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    log_format upstreams '$request_method $uri $status $upstream_addr';
    access_log {self.access_log} upstreams;
    include {self.dir}/clinic.conf;
}}
""")
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError as error:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    error_log = self.dir / "error.log"
                    log = error_log.read_text() if error_log.exists() else ""
                    raise RuntimeError(f"nginx did not start:\n{log}") from error
                time.sleep(0.1)

    def requests(self) -> List[Tuple[str, str, int, str]]:
        """(method, path, status, upstream) for each request logged so far;
        the upstream is the server that answered (nginx lists every one it
        tried, the answering one last)."""
        logged = []
        for line in self.access_log.read_text().splitlines():
            method, path, status, upstreams = line.split(" ", 3)
            logged.append((method, path, int(status), upstreams.split(", ")[-1]))
        return logged

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
