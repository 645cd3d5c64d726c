"""E-mail against a real SMTP server on loopback (aiosmtpd): what arrives, and how each
failure is classified by where in the SMTP exchange it happened."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from django.core import mail

from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.email import EmailChannel, message_id_for
from shishi.notify.fakes import FakeProxy
from shishi.notify.fakes.smtp import DROP, STALL, FakeSmtp

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def outgoing(
    key: str = "delivery-7", address: str = "zhang.san@example.cn", **kw: object
) -> Outgoing:
    fields: dict[str, object] = {
        "subject": "截止提醒：老旧小区改造",
        "text": "您负责的事项明天到期。\n.以点开头的一行\n详情：https://shishi.example/ledger/items/7/",
    }
    fields.update(kw)
    return Outgoing(channel="email", address=address, key=key, **fields)  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    with FakeSmtp(stall_seconds=2) as server:
        yield server


@pytest.fixture
def channel(smtp: FakeSmtp) -> Iterator[EmailChannel]:
    sender = EmailChannel(backend=SMTP, host=smtp.host, port=smtp.port, timeout=0.5)
    yield sender
    sender.close()


def test_message_arrives_with_subject_body_and_headers(
    smtp: FakeSmtp, channel: EmailChannel, settings: object
) -> None:
    result = channel.send(outgoing(extra={"html": "<p>您负责的事项明天到期。</p>"}))

    assert result.outcome == Outcome.SENT
    [received] = smtp.received
    assert received.recipients == ["zhang.san@example.cn"]
    message = received.message
    assert message["Subject"] == "截止提醒：老旧小区改造"
    assert message["To"] == "zhang.san@example.cn"
    assert message["Message-ID"] == "<delivery-7.notify@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content().replace("\r\n", "\n")
    assert text.startswith("您负责的事项明天到期。\n.以点开头的一行\n")  # the dot survived DATA
    assert "<p>您负责的事项明天到期。</p>" in html.get_content()


def test_a_resent_message_carries_the_same_message_id(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    channel.send(outgoing(key="d:42/1"))
    channel.send(outgoing(key="d:42/1"))
    channel.send(outgoing(key="d:43/1"))

    ids = [r.message["Message-ID"] for r in smtp.received]
    assert ids[0] == ids[1] == message_id_for("d:42/1") != ids[2]
    assert "d:42" not in ids[0]  # a key with other characters is hashed, not pasted


def test_a_batch_goes_over_one_connection(smtp: FakeSmtp, channel: EmailChannel) -> None:
    for n in range(3):
        assert channel.send(outgoing(key=f"batch-{n}")).outcome == Outcome.SENT

    assert len(smtp.received) == 3
    assert len({r.peer for r in smtp.received}) == 1


def test_recipient_refused_with_451_is_temporary_then_sent(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    smtp.rcpt_script.append("451 4.3.0 Mailbox busy, try again later")

    first = channel.send(outgoing())
    second = channel.send(outgoing())

    assert first.outcome == Outcome.TEMPORARY
    assert "451" in first.error
    assert second.outcome == Outcome.SENT
    assert len(smtp.received) == 1
    assert len({r.peer for r in smtp.received}) == 1  # the refusal did not cost the connection


def test_recipient_refused_with_550_is_permanent(smtp: FakeSmtp, channel: EmailChannel) -> None:
    smtp.rcpt_script.append("550 5.1.1 No such user")

    result = channel.send(outgoing())

    assert result.outcome == Outcome.PERMANENT
    assert "550" in result.error
    assert "zhang.san" not in result.error
    assert smtp.received == []


def test_message_refused_after_data_with_552_is_permanent(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    smtp.data_script.append("552 5.3.4 Message too big")

    assert channel.send(outgoing()).outcome == Outcome.PERMANENT


def test_connection_refused_is_temporary() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the connection is refused
        sender = EmailChannel(backend=SMTP, host="127.0.0.1", port=port, timeout=0.5)
        result = sender.send(outgoing())
    assert result.outcome == Outcome.TEMPORARY
    sender.close()


def test_timeout_before_data_is_temporary_and_the_next_send_reconnects(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    smtp.rcpt_script.append(STALL)

    stalled = channel.send(outgoing())
    after = channel.send(outgoing())

    assert stalled.outcome == Outcome.TEMPORARY
    assert after.outcome == Outcome.SENT


def test_connection_lost_after_data_is_unknown(smtp: FakeSmtp, channel: EmailChannel) -> None:
    smtp.data_script.append(DROP)

    lost = channel.send(outgoing())
    after = channel.send(outgoing())

    assert lost.outcome == Outcome.UNKNOWN
    assert after.outcome == Outcome.SENT


def test_no_answer_after_data_is_unknown(smtp: FakeSmtp, channel: EmailChannel) -> None:
    smtp.data_script.append(STALL)

    assert channel.send(outgoing()).outcome == Outcome.UNKNOWN


def test_bad_address_is_permanent_without_a_connection(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    result = channel.send(outgoing(address="not-an-address"))

    assert result.outcome == Outcome.PERMANENT
    assert smtp.received == []


def test_other_backends_are_handed_the_message() -> None:
    # pytest-django's locmem backend: what the engine's tests read in mail.outbox.
    sender = EmailChannel()
    result = sender.send(outgoing(key="locmem-1"))
    sender.close()

    assert result.outcome == Outcome.SENT
    [message] = mail.outbox
    assert message.to == ["zhang.san@example.cn"]
    assert message.extra_headers["Message-ID"] == "<locmem-1.notify@localhost>"


PROXIED = "shishi.notify.channels.email.ProxiedEmailBackend"


def test_a_relay_outside_is_reached_through_the_outbound_proxy(smtp: FakeSmtp) -> None:
    with FakeProxy() as proxy:
        sender = EmailChannel(
            backend=PROXIED, host=smtp.host, port=smtp.port, timeout=1, proxy=proxy.url
        )
        results = [sender.send(outgoing(key="p-1")), sender.send(outgoing(key="p-2"))]
        sender.close()

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert proxy.seen == [("CONNECT", f"{smtp.host}:{smtp.port}")]  # one tunnel, two messages
    assert [r.message["Message-ID"] for r in smtp.received] == [
        "<p-1.notify@localhost>",
        "<p-2.notify@localhost>",
    ]


def test_proxy_down_or_refusing_the_tunnel_is_temporary(smtp: FakeSmtp) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
        with FakeProxy() as proxy:
            closed_port = probe.getsockname()[1]
            refused = EmailChannel(
                backend=PROXIED, host="127.0.0.1", port=closed_port, timeout=1, proxy=proxy.url
            ).send(outgoing())
        down = EmailChannel(
            backend=PROXIED, host=smtp.host, port=smtp.port, timeout=1, proxy=dead
        ).send(outgoing())

    assert refused.outcome == Outcome.TEMPORARY  # the proxy answered 502 to CONNECT
    assert down.outcome == Outcome.TEMPORARY
    assert smtp.received == []


def test_a_subject_with_a_newline_goes_out_on_one_line(
    smtp: FakeSmtp, channel: EmailChannel
) -> None:
    result = channel.send(outgoing(subject="截止提醒：\n老旧小区改造\n"))

    assert result.outcome == Outcome.SENT
    assert smtp.received[0].message["Subject"] == "截止提醒： 老旧小区改造"


def test_logs_name_no_address(
    smtp: FakeSmtp, channel: EmailChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel.send(outgoing(key="log-1"))
    smtp.rcpt_script.append("550 5.1.1 No such user")
    channel.send(outgoing(key="log-2"))

    ours = "\n".join(  # what this process logs, not the SMTP server's own log ("mail.log")
        r.getMessage() for r in caplog.records if not r.name.startswith("mail.")
    )
    assert "email log-1: sent" in ours
    assert "email log-2: permanent" in ours
    assert "zhang.san" not in ours
