"""A forward HTTP proxy on loopback: plain ``http://`` requests are relayed, ``CONNECT``
opens a tunnel (SMTP through the proxy). It records what it relayed, so a test can prove a
channel went out through ``SHISHI_OUTBOUND_PROXY``."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from urllib.parse import urlsplit

from shishi.notify.fakes.server import JsonHandler, LoopbackServer

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class FakeProxy(LoopbackServer):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(_ProxyHandler, host=host, port=port)
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str]] = []  # (method, absolute URL) relayed


class _ProxyHandler(JsonHandler):
    def _relay(self) -> None:
        owner: FakeProxy = self.server.owner  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.answer(400, {"code": "absolute http URL expected"})
            return
        body = self.read_body()
        with owner.lock:
            owner.seen.append((self.command, self.path))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path or "/", body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except OSError:
            self.answer(502, {"code": "bad gateway"})
            return
        finally:
            upstream.close()
        head = [f"HTTP/1.1 {response.status} {response.reason}"]
        head += [
            f"{k}: {v}"
            for k, v in response.getheaders()
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
        ]
        head.append(f"Content-Length: {len(data)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)

    do_GET = _relay
    do_POST = _relay

    def do_CONNECT(self) -> None:
        owner: FakeProxy = self.server.owner  # type: ignore[attr-defined]
        host, _, port = self.path.rpartition(":")
        with owner.lock:
            owner.seen.append(("CONNECT", self.path))
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except (OSError, ValueError):
            self.answer(502, {"code": "bad gateway"})
            return
        upstream.settimeout(None)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.close_connection = True
        back = threading.Thread(target=_pump, args=(upstream, self.connection), daemon=True)
        back.start()
        _pump(self.connection, upstream)
        back.join(timeout=5)
        upstream.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
