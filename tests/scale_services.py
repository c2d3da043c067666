"""Real PostgreSQL and Redis servers on loopback for the scale-out test.

Debian's packages (installed by `make test`); the servers live in a temporary
folder and stop with the test. PostgreSQL refuses to run as root, so as root
its commands run as the `postgres` system user.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List

from tests.servers import free_port


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
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.dir), "-U", "clinic",
                                     "-A", "trust", "--no-sync"]),
                       check=True, capture_output=True)
        self.process = subprocess.Popen(
            _as_postgres([_pg_bin("postgres"), "-D", str(self.dir), "-p", str(self.port),
                          "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1",
                          "-c", "max_connections=200", "-c", "fsync=off"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while subprocess.run([_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                             capture_output=True).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.3)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "clinic",
                        "-d", "postgres", "-c", "CREATE DATABASE clinic"], check=True, capture_output=True)
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir.parent, ignore_errors=True)


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process = None

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("Redis is not installed: run `make services`")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                             capture_output=True, text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("Redis did not start")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
