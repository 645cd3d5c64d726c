"""A light HTTP/1.1 client whose connections come from many loopback addresses.

Every address in 127.0.0.0/8 reaches the server on this machine, so binding each connection's
source to its own address makes the server see as many clients as a public page has in life,
and its per-client limits hold as configured. Each connection sends a few requests (keep-alive)
and is then replaced by one from the next address.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

from bench.common import BenchError


def loopback_address(n: int) -> str:
    """The n-th client address in 127.0.0.0/8 (127.0.0.1 left to the rest of the machine)."""
    n += 2 * 254
    return f"127.{(n // 254 // 254) % 254 + 1}.{(n // 254) % 254}.{n % 254 + 1}"


class LoopbackLoad:
    """``connections`` keep-alive connections, each from its own loopback address for
    ``per_connection`` requests; ``make_request(n)`` returns the n-th request's bytes."""

    def __init__(self, port: int, make_request: Callable[[int], bytes], per_connection: int):
        self.port, self.make_request, self.per_connection = port, make_request, per_connection
        self.next_request = 0
        self.next_address = 0
        self.statuses: dict[int, int] = {}  # while counting
        self.all_statuses: dict[int, int] = {}  # warm-up and wind-down too
        self.latencies: list[float] = []
        self.socket_errors = 0
        self.counting = False
        self.stop = False

    async def _connection(self) -> None:
        while not self.stop:
            address = loopback_address(self.next_address)
            self.next_address += 1
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(address, 0)
                )
            except OSError:
                self.socket_errors += 1
                await asyncio.sleep(0.05)
                continue
            try:
                for _ in range(self.per_connection):
                    if self.stop:
                        break
                    t0 = time.perf_counter()
                    writer.write(self.make_request(self.next_request))
                    self.next_request += 1
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                    if length is None:
                        raise BenchError(f"an answer without Content-Length: {head[:200]!r}")
                    await reader.readexactly(int(length.group(1)))
                    self.all_statuses[status] = self.all_statuses.get(status, 0) + 1
                    if self.counting:
                        self.latencies.append(time.perf_counter() - t0)
                        self.statuses[status] = self.statuses.get(status, 0) + 1
                    if re.search(rb"(?i)\r\nconnection:\s*close", head):
                        break
            except (OSError, asyncio.IncompleteReadError):
                if self.counting:
                    self.socket_errors += 1
            finally:
                writer.close()

    async def run(self, connections: int, warmup: float, seconds: float) -> float:
        tasks = [asyncio.create_task(self._connection()) for _ in range(connections)]
        await asyncio.sleep(warmup)
        self.counting = True
        t0 = time.perf_counter()
        await asyncio.sleep(seconds)
        self.counting = False
        wall = time.perf_counter() - t0
        self.stop = True
        await asyncio.gather(*tasks, return_exceptions=True)
        return wall
