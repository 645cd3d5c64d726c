"""Channel throughput: one ``SmsChannel`` sending N messages in a loop to the fake gateway.

    python -m bench.notifybench [--messages 1000] [--inprocess]

The fake gateway (``shishi fake_gateway``) runs as a process of its own, as in the demo, so
the sender and the gateway do not share one interpreter's lock (``--inprocess`` runs it in a
thread here instead: a pessimistic figure). Each send signs its request, goes over one
keep-alive connection, and waits for the answer: the loop measures one worker's sender, not
the engine around it. Prints one JSON line (messages per second, latency percentiles).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

from bench.common import BenchError, emit, fake_gateway_process, free_port, latency_summary, log

KEY, SECRET = "bench-key", "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--inprocess", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from shishi.notify.channels.base import Outcome, Outgoing
    from shishi.notify.channels.sms import SmsChannel
    from shishi.notify.fakes import FakeGateway

    port = free_port(19100, 19200)
    with contextlib.ExitStack() as stack:
        if args.inprocess:
            stack.enter_context(FakeGateway(port=port, sms_key=KEY, sms_secret=SECRET))
        else:
            process = stack.enter_context(
                fake_gateway_process(port, "--sms-key", KEY, "--sms-secret", SECRET)
            )
            log(f"fake gateway (pid {process.pid}) on port {port}")
        sender = SmsChannel(base_url=f"http://127.0.0.1:{port}", key=KEY, secret=SECRET)
        stack.callback(sender.close)
        sender.send(Outgoing(channel="sms", address="13800138000", key="warm-up", template_id="T"))
        latencies = []
        outcomes: dict[str, int] = {}
        started = time.perf_counter()
        for n in range(args.messages):
            t0 = time.perf_counter()
            result = sender.send(
                Outgoing(
                    channel="sms",
                    address=f"139{n % 10_000:04d}8888",  # no misbehaving suffix
                    key=f"bench-{n}",
                    template_id="SMS_DEADLINE_1",
                    params={"item": "老旧小区改造", "date": "6月30日"},
                    text="【为民办实事】您负责的老旧小区改造将于6月30日到期。",
                )
            )
            latencies.append(time.perf_counter() - t0)
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        wall = time.perf_counter() - started
    if outcomes.get(Outcome.SENT, 0) != args.messages:
        raise BenchError(f"not every message was sent: {outcomes}")
    emit(
        {
            "bench": "notify.sms_channel",
            "gateway": "in-process thread" if args.inprocess else "separate process",
            "messages": args.messages,
            "seconds": round(wall, 3),
            "messages_per_second": round(args.messages / wall, 1),
            "sent": outcomes.get(Outcome.SENT, 0),
            "outcomes": outcomes,
            "latency": latency_summary(sorted(latencies), wall),
        }
    )


if __name__ == "__main__":
    main()
