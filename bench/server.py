"""gunicorn serving ``shishi.wsgi:application`` as production would, for the benchmark.

gthread workers, because gunicorn's sync worker closes the connection after every response
(it ignores keep-alive by design, expecting a buffering proxy in front); gthread keeps
connections alive, which is what a browser or an API client on a LAN gets.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import REPO, WORK_DIR, BenchError, django_env, log


@dataclass
class ServerConfig:
    port: int
    workers: int = 2
    threads: int = 4
    worker_class: str = "gthread"
    keep_alive: int = 30
    idle: bool = False  # run the processes under SCHED_IDLE: only on CPU time nothing else wants

    def describe(self) -> dict[str, object]:
        return {
            "server": "gunicorn",
            "app": "shishi.wsgi:application",
            "worker_class": self.worker_class,
            "workers": self.workers,
            "threads": self.threads if self.worker_class == "gthread" else 1,
            "keep_alive_s": self.keep_alive,
            "sched_idle": self.idle,
            "debug": False,
            "static": "whitenoise (collectstatic)",
        }


@dataclass
class Server:
    config: ServerConfig
    database_url: str
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)
    log_path: Path = field(default=WORK_DIR / "gunicorn.log", init=False)

    def env(self) -> dict[str, str]:
        return django_env(self.database_url, ALLOWED_HOSTS="127.0.0.1,localhost")

    def collectstatic(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "shishi.manage", "collectstatic", "--noinput", "-v", "0"],
            env=self.env(),
            cwd=REPO,
            check=True,
        )

    def start(self, timeout: float = 60) -> None:
        cfg = self.config
        self.log_path = WORK_DIR / f"gunicorn-{cfg.port}.log"
        cmd = [
            *(["chrt", "--idle", "0"] if cfg.idle else []),
            sys.executable,
            "-m",
            "gunicorn",
            "shishi.wsgi:application",
            "--bind",
            f"127.0.0.1:{cfg.port}",
            "--workers",
            str(cfg.workers),
            "--worker-class",
            cfg.worker_class,
            "--keep-alive",
            str(cfg.keep_alive),
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
        ]
        if cfg.worker_class == "gthread":
            cmd += ["--threads", str(cfg.threads)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log(f"gunicorn on 127.0.0.1:{cfg.port}: {cfg.workers} {cfg.worker_class} workers")
        self.proc = subprocess.Popen(cmd, env=self.env(), cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log_path}"
                )
            if self._responds():
                return
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"gunicorn did not answer within {timeout:.0f}s; see {self.log_path}")

    def _responds(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.config.port, timeout=5)
        try:
            conn.request("GET", "/login/")
            resp = conn.getresponse()
            resp.read()
            return resp.status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop the gunicorn master this object started (it stops its own workers)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
