"""Personal numbers in free text: found without false alarms on item numbers, dates and
amounts; masked; kept out of logs and error reports."""

from __future__ import annotations

import io
import logging
import sys
from typing import Any

import pytest
from django.test import RequestFactory
from django.views.debug import get_exception_reporter_class

from shishi.core.pii_text import (
    ID_NUMBER,
    PHONE,
    RedactingExceptionReporterFilter,
    RedactingFilter,
    find_personal_numbers,
    mask_personal_numbers,
    personal_number_kinds,
    personal_number_warning,
)

ID = "11010519491231002X"
ID15 = "110105491231002"


@pytest.mark.parametrize(
    ("text", "kinds", "masked"),
    [
        ("联系人张三，电话13812345678。", [PHONE], "联系人张三，电话138****5678。"),
        ("电话：138-1234-5678", [PHONE], "电话：138****5678"),
        ("电话 138 1234 5678 转", [PHONE], "电话 138****5678 转"),
        ("+86 13812345678", [PHONE], "138****5678"),
        ("8613812345678", [PHONE], "138****5678"),
        ("Tel.13812345678", [PHONE], "Tel.138****5678"),
        ("手机１３８１２３４５６７８", [PHONE], "手机138****5678"),  # full-width digits
        (f"身份证号{ID}，", [ID_NUMBER], "身份证号1101**********002X，"),
        (f"身份证号{ID.lower()}", [ID_NUMBER], "身份证号1101**********002X"),
        (f"旧证{ID15}", [ID_NUMBER], "旧证1101*******1002"),
        (
            f"居民王某（{ID}，13912345678）反映",
            [ID_NUMBER, PHONE],
            "居民王某（1101**********002X，139****5678）反映",
        ),
    ],
)
def test_personal_numbers_are_found_and_masked(text: str, kinds: list[str], masked: str) -> None:
    assert [f.kind for f in find_personal_numbers(text)] == kinds
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "完成投资13812345678.5元",  # an amount
        "完成率0.13812345678",  # a decimal
        "编号2021138123456789",  # a longer run of digits
        "事项编号1-13，合同号HT13812345678",  # letters before it: a code
        "2021年6月30日前完成，20210630",  # dates
        "12345热线、0451-86661234",  # hotline and landline: offices' public numbers
        "110105194912310021",  # 18 digits with a wrong check character
        "110105199913310025",  # month 13
        "990105194912310023",  # no such region
        "批次号123456789012345",  # 15 digits that are no ID (region 12, born 1978-90-12)
        "长度11位的数字12812345678",  # 12x is no mobile prefix
    ],
)
def test_no_false_alarm_on_numbers_that_are_not_personal(text: str) -> None:
    assert find_personal_numbers(text) == []
    assert mask_personal_numbers(text) == text


def test_kinds_and_warning() -> None:
    text = f"电话13812345678，身份证{ID}"
    assert personal_number_kinds(text) == ["手机号码", "身份证号码"]
    assert personal_number_kinds("无", "") == []
    warning = personal_number_warning(text, "原因 13912345678")
    assert "手机号码、身份证号码" in warning
    assert "138****5678" in warning and "139****5678" in warning
    assert "13812345678" not in warning and ID not in warning
    assert personal_number_warning("没有号码", "") == ""


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("shishi.test.redact")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    logger, stream = _logger()
    logger.info("sms to %s failed", "13812345678")
    logger.info("resident %(id)s", {"id": "110105194912310021"})  # loose: any ID shape
    try:
        raise ValueError(f"duplicate key (phone)=({'13912345678'})")
    except ValueError:
        logger.exception("insert failed for %s", ID)
    out = stream.getvalue()
    for plain in ("13812345678", "110105194912310021", "13912345678", ID):
        assert plain not in out, plain
    assert "138****5678" in out and "139****5678" in out and "ValueError" in out


def test_settings_install_the_filter_on_every_handler_of_the_root_and_django_server() -> None:
    for name in ("", "django.server"):
        handlers = [h for h in logging.getLogger(name).handlers if type(h).__module__ == "logging"]
        assert handlers, name
        for handler in handlers:
            assert any(isinstance(f, RedactingFilter) for f in handler.filters), (name, handler)
    assert logging.getLogger("django").handlers == []  # its records reach the root's


def test_error_reports_mask_numbers_in_the_request() -> None:
    request = RequestFactory().post("/x/", {"text": "电话13812345678", "n": "1"})
    params = RedactingExceptionReporterFilter().get_post_parameters(request)
    assert params["text"] == "电话138****5678" and params["n"] == "1"
    safe = RedactingExceptionReporterFilter().get_safe_settings()
    assert set(safe["SHISHI_PII_KEYS"]) <= {"*"} and set(safe["SHISHI_PII_LOOKUP_KEY"]) <= {"*"}


def test_the_whole_error_report_masks_numbers_wherever_they_are() -> None:
    request = RequestFactory().get("/x/", {"q": "11010519491231002X"})
    resident_phone = "13812345678"  # a local variable the report lists
    try:
        raise ValueError(f"no account for {resident_phone}")
    except ValueError:
        info = sys.exc_info()
    reporter_class: Any = get_exception_reporter_class(request)
    reporter = reporter_class(request, *info)
    for report in (reporter.get_traceback_html(), reporter.get_traceback_text()):
        assert "13812345678" not in report and "11010519491231002X" not in report
        assert "138****5678" in report
