"""A fictional enterprise register of any size in the office's layout (benchmarks, tests,
the demo): ``write_register("/tmp/register.xlsx", 100_000)``.

Every USCC is valid (GB 32100: 9 工商, 1 企业, the district's division code, a random
organisation code, the check character) and distinct; industries are classes of
GB/T 4754-2017; about a third of the figures are left blank (not reported), as in real
registers. Written with xlsxwriter's constant memory mode: 100,000 rows in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from shishi.core.uscc import CHARS, check_character
from shishi.enterprise import industry

HEADER = (
    "序号",
    "企业名称",
    "统一社会信用代码",
    "行业代码",
    "成立日期",
    "从业人员",
    "年营业收入（万元）",
    "资产总额（万元）",
    "纳税额（万元）",
    "注册地址",
    "资质",
    "联系人",
    "联系电话",
    "电子邮箱",
)
STREETS = (
    "花园街道", "奋斗路街道", "大成街道", "七政街道", "曲线街道", "通达街道", "哈西街道",
    "保健路街道", "荣市街道", "燎原街道", "先锋路街道",
)  # fmt: skip
_ROADS = ("学府路", "和兴路", "中山路", "西大直街", "红军街", "宣化街", "文昌街", "一曼街")
_BRANDS = (
    "鑫盛", "恒达", "瑞丰", "华信", "博远", "金石", "嘉禾", "东方", "冰城", "松花江", "北国",
    "龙江", "远航", "卓越", "新创", "汇通", "宏图", "启明", "中科", "天成",
)  # fmt: skip
_TRADES = ("科技", "商贸", "建筑工程", "食品", "信息技术", "物流", "机械制造", "文化传媒", "餐饮")
_QUALIFICATIONS = ("高新技术企业", "专精特新", "科技型中小企业", "瞪羚企业", "守合同重信用")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def uscc_for(index: int, *, region: str = "230103", seed: int = 0) -> str:
    """A valid, fictional USCC, distinct for each ``index`` (below 31**8) and ``seed``."""
    rng = random.Random(seed * 1_000_003 + index)
    body = []
    n = index
    for _ in range(8):  # the index in base 31 keeps the codes distinct
        n, rem = divmod(n, 31)
        body.append(CHARS[rem])
    org = CHARS[rng.randrange(31)] + "".join(reversed(body))
    first17 = f"91{region}{org}"
    return first17 + check_character(first17)


def rows(
    count: int, *, region: str = "230103", seed: int = 0, streets: bool = False
) -> Iterator[list[Any]]:
    """The sheet's rows after the header."""
    rng = random.Random(seed)
    classes = [i.code for i in industry.all_codes("class")]
    today = dt.date.today()
    for i in range(count):
        code = rng.choice(classes)
        written = code if rng.random() < 0.5 else code[1:]  # with or without the letter
        founded = today - dt.timedelta(days=rng.randrange(30, 30 * 365))
        employees = int(rng.lognormvariate(3, 1.3)) if rng.random() < 0.7 else None
        revenue = round(rng.lognormvariate(6, 1.8), 2) if rng.random() < 0.6 else None
        assets = round(rng.lognormvariate(6, 1.8), 2) if rng.random() < 0.5 else None
        tax = round(rng.lognormvariate(2, 1.5), 2) if rng.random() < 0.5 else None
        street = rng.choice(STREETS)
        address = f"哈尔滨市南岗区{street}{rng.choice(_ROADS)}{rng.randrange(1, 400)}号"
        quals = rng.sample(_QUALIFICATIONS, k=rng.choice((0, 0, 0, 1, 1, 2)))
        person = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", *_GIVEN))
        phone = f"13{rng.randrange(0, 10)}{rng.randrange(10**8):08d}"
        row: list[Any] = [
            i + 1,
            f"哈尔滨{rng.choice(_BRANDS)}{rng.choice(_TRADES)}有限公司{i + 1}",
            uscc_for(i, region=region, seed=seed),
            written,
            founded if rng.random() < 0.7 else founded.strftime("%Y年%-m月%-d日"),
            employees,
            revenue,
            assets,
            tax,
            address,
            "、".join(quals),
            person,
            phone,
            f"contact{i + 1}@example.com" if rng.random() < 0.3 else None,
        ]
        if streets:
            row.append(street)
        yield row


def write_register(
    path: str | Path,
    count: int,
    *,
    region: str = "230103",
    seed: int = 0,
    streets: bool = False,
    header: Sequence[str] = HEADER,
) -> Path:
    """Write ``count`` fictional enterprises to ``path`` (.xlsx); ``streets`` adds the
    所属街道 column (names from ``STREETS``: create those units before importing)."""
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("企业名录")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    text = book.add_format({"num_format": "@"})
    head = list(header) + (["所属街道"] if streets else [])
    sheet.write_row(0, 0, head)
    for r, row in enumerate(rows(count, region=region, seed=seed, streets=streets), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif c == 3:
                sheet.write_string(r, c, value, text)  # industry codes keep leading zeros
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return path
