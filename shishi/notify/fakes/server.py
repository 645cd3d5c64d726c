"""A stdlib HTTP server on loopback in a thread of its own, as a context manager."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

logger = logging.getLogger("shishi.notify.fakes")


class JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; one write per answer (no Nagle stall between head and body)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "shishi-fake/1"

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
        head += [
            "Content-Type: application/json; charset=utf-8",
            f"Content-Length: {len(body)}",
            f"Server: {self.server_version}",
        ]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self.log_request(status)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries robots' keys in its query: log the path only.
        logger.debug("%s %s", self.command, self.path.partition("?")[0])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s -> %s", self.command, self.path.partition("?")[0], code)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its read timeout) leaves a broken pipe behind: expected here.
        logger.debug("connection from %s ended abruptly", client_address[0], exc_info=True)


class Served:
    """A fake used as ``with Fake(...) as fake:``: the subclass's ``start`` (returning the
    fake) on entry, its ``stop`` on exit."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LoopbackServer(Served):
    """Serve ``handler`` on ``host:port`` (0: a free port) from a daemon thread."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.httpd = _QuietServer((host, port), handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
