"""Real server processes on loopback for the load benchmark and the scale-out tests.

Each class starts a process of its own (never the machine's shared MariaDB or Redis), waits until
it answers, and stops exactly that process again: gunicorn with the deploy/ config, a Redis with
no persistence, and private MariaDB instances in a data directory of their own (optionally a
primary and a replica with real binlog replication). Every wait is bounded in time.

    .venv/bin/python -m bench.servers mariadb start --datadir /tmp/mdb --port 13310
    .venv/bin/python -m bench.servers mariadb restart --datadir /tmp/mdb --port 13310
    .venv/bin/python -m bench.servers mariadb stop --datadir /tmp/mdb
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
INSTALL_DB = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class ServerExited(RuntimeError):
    """The process we wait for has exited: waiting longer cannot help."""


def wait_until(check: Callable[[], bool], *, seconds: float, what: str, step: float = 0.1) -> None:
    """Poll `check` until it is true; raise after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except ServerExited:
            raise
        except Exception:  # not up yet: any other error means "try again"
            pass
        time.sleep(step)
    raise TimeoutError(f"{what} did not come up within {seconds:.0f} s")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(first: int, last: int) -> int:
    """A loopback port in [first, last] nobody listens on."""
    for port in range(first, last + 1):
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop_process(proc: subprocess.Popen, *, seconds: float = 15) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py wsgi:app` on 127.0.0.1:port with `workers` sync workers."""

    def __init__(self, port: int, env: dict[str, str], *, workers: int = 2, log: Path | None = None,
                 extra_args: tuple[str, ...] = ()):
        self.port, self.workers, self.log = port, workers, log
        self.env = {**os.environ, **env}
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self._out = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, seconds: float = 60) -> Gunicorn:
        out = self._out = open(self.log, "ab") if self.log else None  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), *self.extra_args, "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_until(self._healthy, seconds=seconds, what=f"gunicorn on {self.port}")
        except Exception:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise ServerExited(f"gunicorn exited with {self.proc.returncode} (see {self.log})")
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
            return response.status == 200

    def stop(self) -> None:
        if self.proc is not None:
            _stop_process(self.proc, seconds=30)
        if self._out is not None:
            self._out.close()
            self._out = None


class RedisServer:
    """A Redis of our own on loopback, nothing saved to disk; `stop()` and `start()` again at will."""

    def __init__(self, port: int):
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, seconds: float = 15) -> RedisServer:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", "/tmp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: port_answers(self.port), seconds=seconds, what=f"redis on {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop_process(self.proc)
            self.proc = None


class MariaDB:
    """A private mariadbd: its own data directory, socket, pid file and loopback port.

    `server_id` and `log_bin` make it a replication primary; `replicate_from()` makes another
    instance its replica (binlog position from the start, which holds everything since install).
    """

    def __init__(self, datadir: Path, port: int, *, server_id: int = 1, log_bin: bool = False):
        self.datadir, self.port, self.server_id, self.log_bin = Path(datadir), port, server_id, log_bin

    @property
    def pid_file(self) -> Path:
        return self.datadir / "mariadbd.pid"

    def url(self, database: str) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}"

    def install(self) -> None:
        if (self.datadir / "mysql").is_dir():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        subprocess.run([INSTALL_DB, "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def start(self, *, seconds: float = 60) -> MariaDB:
        self.install()
        if self.running():
            return self
        args = [MARIADBD, "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}",
                "--bind-address=127.0.0.1", f"--socket={self.datadir / 'mariadbd.sock'}",
                f"--pid-file={self.pid_file}", "--user=root", "--skip-name-resolve",
                f"--server-id={self.server_id}", "--innodb-buffer-pool-size=256M",
                f"--log-error={self.datadir / 'error.log'}"]
        if self.log_bin:
            args += ["--log-bin=mariadb-bin", "--binlog-format=ROW"]
        # Started by a shell that exits at once: the server outlives the script that started it, as a
        # server does, and is stopped through its pid file.
        subprocess.run(["sh", "-c", " ".join(shlex.quote(a) for a in args) + " >/dev/null 2>&1 &"],
                       check=True, timeout=30)
        wait_until(self._answers, seconds=seconds, what=f"mariadbd on {self.port}", step=0.2)
        return self

    def _answers(self) -> bool:
        return self.sql("SELECT 1").strip() == "1"

    def sql(self, statement: str, *, database: str = "", names: bool = False) -> str:
        """Run SQL with the mariadb client; the output (without column names unless asked)."""
        result = subprocess.run(
            ["mariadb", "-uroot", "-h127.0.0.1", f"-P{self.port}", *([] if names else ["-N"]), "-B",
             "--connect-timeout=2",
             *([database] if database else []), "-e", statement],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return result.stdout

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    def stop(self, *, seconds: float = 60) -> None:
        pid = self.pid()
        if pid is None or not self.running():
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.running():
            time.sleep(0.1)
        if self.running():
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def replicate_from(self, primary: MariaDB) -> None:
        """Make this instance a replica of `primary` (which must run with log_bin) and start it."""
        primary.sql("CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';"
                    "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'")
        self.sql("STOP SLAVE; RESET SLAVE ALL;"
                 f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, MASTER_USER='repl', "
                 "MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos; START SLAVE")
        wait_until(self._io_and_sql_running, seconds=30, what="replication")

    def _io_and_sql_running(self) -> bool:
        status = self.sql("SHOW SLAVE STATUS\\G", names=True)
        return "Slave_IO_Running: Yes" in status and "Slave_SQL_Running: Yes" in status

    def wait_replicated(self, primary: MariaDB, *, seconds: float = 30) -> None:
        """Wait until this replica has applied everything the primary has written so far."""
        position = primary.sql("SELECT @@gtid_binlog_pos").strip()
        if position:
            self.sql(f"SELECT MASTER_GTID_WAIT('{position}', {seconds:.0f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["mariadb"])
    parser.add_argument("action", choices=["start", "stop", "restart"])
    parser.add_argument("--datadir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=13310)
    parser.add_argument("--down-seconds", type=float, default=0.0,
                        help="with restart: stay down this long before starting again")
    args = parser.parse_args(argv)
    server = MariaDB(args.datadir, args.port)
    if args.action == "start":
        server.start()
    elif args.action == "stop":
        server.stop()
    else:
        started = time.monotonic()
        server.stop()
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(args.down_seconds)
        server.start()
        print(f"mariadbd on {args.port} restarted in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
