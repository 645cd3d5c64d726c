"""The 2017 size standard (统计上大中小微型企业划分办法（2017）, 国统字〔2017〕213号)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shishi.core.errors import ValidationFailed
from shishi.enterprise.size import (
    ROWS,
    SIZE_RANK,
    Indicator,
    Size,
    classify,
    explain,
    row_for_code,
)

E, Y, Z = Indicator.EMPLOYEES, Indicator.REVENUE, Indicator.TOTAL_ASSETS

# The standard's table written out a second time, from its text (X≥…, …≤X<…), so a typo in the
# module's table fails here: row name, a code of that row, {indicator: (large, medium, small)}.
STANDARD: list[tuple[str, str, dict[Indicator, tuple[int, int, int]]]] = [
    ("农、林、牧、渔业", "A0111", {Y: (20000, 500, 50)}),
    ("工业", "C3511", {E: (1000, 300, 20), Y: (40000, 2000, 300)}),
    ("建筑业", "E4710", {Y: (80000, 6000, 300), Z: (80000, 5000, 300)}),
    ("批发业", "F5111", {E: (200, 20, 5), Y: (40000, 5000, 1000)}),
    ("零售业", "F5211", {E: (300, 50, 10), Y: (20000, 500, 100)}),
    ("交通运输业", "G5411", {E: (1000, 300, 20), Y: (30000, 3000, 200)}),
    ("仓储业", "G5920", {E: (200, 100, 20), Y: (30000, 1000, 100)}),
    ("邮政业", "G6010", {E: (1000, 300, 20), Y: (30000, 2000, 100)}),
    ("住宿业", "H6110", {E: (300, 100, 10), Y: (10000, 2000, 100)}),
    ("餐饮业", "H6210", {E: (300, 100, 10), Y: (10000, 2000, 100)}),
    ("信息传输业", "I6311", {E: (2000, 100, 10), Y: (100000, 1000, 100)}),
    ("软件和信息技术服务业", "I6513", {E: (300, 100, 10), Y: (10000, 1000, 50)}),
    ("房地产开发经营", "K7010", {Y: (200000, 1000, 100), Z: (10000, 5000, 2000)}),
    ("物业管理", "K7020", {E: (1000, 300, 100), Y: (5000, 1000, 500)}),
    ("租赁和商务服务业", "L7211", {E: (300, 100, 10), Z: (120000, 8000, 100)}),
    ("其他未列明行业", "M7310", {E: (300, 100, 10)}),
]
CLASSES = (Size.LARGE, Size.MEDIUM, Size.SMALL)
BELOW = {Size.LARGE: Size.MEDIUM, Size.MEDIUM: Size.SMALL, Size.SMALL: Size.MICRO}
# The smallest step of each indicator: one person; one hundred yuan (0.01 万元).
STEP = {E: Decimal(1), Y: Decimal("0.01"), Z: Decimal("0.01")}


def _size(code: str, values: dict[Indicator, Decimal]) -> Size | None:
    employees = values.get(E)
    return classify(
        code,
        employees=None if employees is None else int(employees),
        revenue=values.get(Y),
        total_assets=values.get(Z),
    ).size


def test_the_module_table_is_the_standard_table() -> None:
    assert [(r.name, dict(r.limits)) for r in ROWS] == [(n, lim) for n, _code, lim in STANDARD]


@pytest.mark.parametrize(("name", "code", "limits"), STANDARD, ids=[s[0] for s in STANDARD])
def test_each_row_code_maps_to_its_row(
    name: str, code: str, limits: dict[Indicator, tuple[int, int, int]]
) -> None:
    row, why = row_for_code(code)
    assert row is not None and row.name == name, why


BOUNDARIES = [
    pytest.param(code, limits, indicator, size, id=f"{name}-{indicator.value}-{size.value}")
    for name, code, limits in STANDARD
    for indicator in limits
    for size in CLASSES
]


@pytest.mark.parametrize(("code", "limits", "indicator", "size"), BOUNDARIES)
def test_every_lower_limit_below_at_and_above(
    code: str, limits: dict[Indicator, tuple[int, int, int]], indicator: Indicator, size: Size
) -> None:
    # The other indicators sit exactly on this class's lower limit, so this one decides.
    at = {i: Decimal(lim[CLASSES.index(size)]) for i, lim in limits.items()}
    limit = at[indicator]
    assert _size(code, at) == size  # "X≥limit": at the limit meets it
    assert _size(code, {**at, indicator: limit + STEP[indicator]}) == size
    assert _size(code, {**at, indicator: limit - STEP[indicator]}) == BELOW[size]


def test_the_example_reason() -> None:
    assert (
        explain("C3511", employees=320, revenue=Decimal(25000), total_assets=None)
        == "工业：从业人员320人、营业收入2.5亿元，同时达到中型企业下限（300人、2000万元）"
    )


@pytest.mark.parametrize(
    ("code", "employees", "revenue", "assets", "expected", "short"),
    [
        # Employees large, revenue only medium: not large (both must be met).
        ("C3511", 1500, Decimal("39999.99"), None, Size.MEDIUM, "营业收入未达到大型企业下限"),
        # Revenue large, employees only small: small, not medium.
        ("C3511", 299, Decimal(50000), None, Size.SMALL, "从业人员未达到中型企业下限（300人）"),
        # 建筑业 has no employee indicator: a huge workforce changes nothing.
        ("E4710", 50000, Decimal(80000), Decimal(4999), Size.SMALL, "资产总额未达到中型企业下限"),
        ("L7211", 250, None, Decimal(200000), Size.MEDIUM, "从业人员未达到大型企业下限（300人）"),
    ],
)
def test_one_indicator_over_one_under_gives_the_lower_class(
    code: str,
    employees: int,
    revenue: Decimal | None,
    assets: Decimal | None,
    expected: Size,
    short: str,
) -> None:
    result = classify(code, employees=employees, revenue=revenue, total_assets=assets)
    assert result.size == expected
    assert short in result.reason


def test_micro_needs_only_one_indicator() -> None:
    # 工业：19 people is micro whatever the revenue.
    result = classify("C3511", employees=19, revenue=Decimal(1_000_000), total_assets=None)
    assert result.size == Size.MICRO
    assert "从业人员低于小型企业下限（20人），为微型企业" in result.reason
    # 建筑业：assets under 300万元 is micro with a large revenue.
    assert _size("E4710", {Y: Decimal(90000), Z: Decimal("299.99")}) == Size.MICRO


def test_micro_is_certain_even_with_an_indicator_missing() -> None:
    result = classify("F5211", employees=3, revenue=None, total_assets=None)
    assert result.size == Size.MICRO
    assert result.missing == (Y,)


def test_missing_indicator_gives_unknown_with_the_reason_and_a_ceiling() -> None:
    result = classify("C3511", employees=320, revenue=None, total_assets=None)
    assert result.size is None and not result.known
    assert result.at_most == Size.MEDIUM
    assert result.missing == (Y,)
    assert result.reason == (
        "工业：从业人员320人，缺少营业收入，无法判定企业规模，按已知指标至多为中型企业"
    )


def test_nothing_known_is_unknown_up_to_large() -> None:
    result = classify("E4710", employees=10, revenue=None, total_assets=None)
    # 建筑业 does not use employees: both of its indicators are missing.
    assert result.size is None
    assert result.at_most == Size.LARGE
    assert result.reason == "建筑业：缺少营业收入、资产总额，无法判定企业规模"


def test_indicators_a_row_does_not_list_are_ignored() -> None:
    assert _size("A0111", {E: Decimal(0), Y: Decimal(20000), Z: Decimal(0)}) == Size.LARGE
    assert _size("M7310", {E: Decimal(100), Y: Decimal(0)}) == Size.MEDIUM


@pytest.mark.parametrize(
    ("code", "row"),
    [
        ("B0610", "工业"),  # 采矿业
        ("D4411", "工业"),  # 电力
        ("C43", "工业"),  # 金属制品、机械和设备修理业 is still 制造业
        ("G5510", "交通运输业"),
        ("G5810", "交通运输业"),  # 多式联运
        ("G5910", "交通运输业"),  # 装卸搬运: the 附注 puts it in 交通运输业, not 仓储业
        ("G591", "交通运输业"),
        ("G5990", "仓储业"),
        ("I6410", "信息传输业"),  # 互联网和相关服务
        ("K7030", "其他未列明行业"),  # 房地产中介服务
        ("K7090", "其他未列明行业"),  # 其他房地产业
        ("N7610", "其他未列明行业"),
        ("O8010", "其他未列明行业"),
        ("Q8510", "其他未列明行业"),  # 社会工作
        ("R8610", "其他未列明行业"),
        ("L", "租赁和商务服务业"),
        ("c3511", "工业"),  # case and spaces are forgiven
        (" C3511 ", "工业"),
    ],
)
def test_codes_map_by_the_standards_notes(code: str, row: str) -> None:
    found, why = row_for_code(code)
    assert found is not None and found.name == row, why


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("G5310", "铁路运输业不属于交通运输业"),
        ("K7040", "原自有房地产经营活动"),
        ("J6620", "金融业不在本办法的适用范围内"),
        ("P8310", "教育不在"),
        ("Q8411", "卫生不在"),
        ("S9100", "公共管理"),
        ("T9700", "国际组织"),
    ],
)
def test_excluded_industries_are_out_of_scope_with_the_reason(code: str, says: str) -> None:
    result = classify(code, employees=5000, revenue=Decimal(10**6), total_assets=Decimal(10**6))
    assert result.size is None and result.row is None
    assert says in result.reason


@pytest.mark.parametrize(
    ("code", "needs"),
    [("F", "F51、F52"), ("G59", "G591、G592"), ("K70", "K701、K702"), ("Q", "Q84、Q85")],
)
def test_a_code_too_coarse_for_the_table_says_what_it_needs(code: str, needs: str) -> None:
    result = classify(code, employees=1, revenue=Decimal(1), total_assets=Decimal(1))
    assert result.size is None
    assert needs in result.reason


@pytest.mark.parametrize("code", ["", "X1", "C3", "C351123", "3511", "A6513", "G61"])
def test_malformed_code_is_refused_naming_the_field(code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        classify(code, employees=1, revenue=None, total_assets=None)
    assert set(caught.value.errors) == {"industry_code"}


@pytest.mark.parametrize("code", [None, 3511])
def test_a_code_that_is_not_text_is_refused_naming_the_field(code: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        classify(code, employees=1, revenue=None, total_assets=None)  # type: ignore[arg-type]
    assert set(caught.value.errors) == {"industry_code"}


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("employees", {"employees": -1}),
        ("employees", {"employees": True}),
        ("employees", {"employees": Decimal("1.5")}),
        ("revenue", {"revenue": Decimal(-1)}),
        ("revenue", {"revenue": Decimal("NaN")}),
        ("revenue", {"revenue": 1.5}),
        ("total_assets", {"total_assets": Decimal("Infinity")}),
        ("total_assets", {"total_assets": "100"}),
    ],
)
def test_bad_figures_are_refused_naming_the_field(field: str, kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {"employees": 10, "revenue": None, "total_assets": None}
    values.update(kwargs)
    with pytest.raises(ValidationFailed) as caught:
        classify("C3511", **values)  # type: ignore[arg-type]
    assert set(caught.value.errors) == {field}


CODES = [code for _name, code, _limits in STANDARD]
money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from(CODES),
    employees=st.integers(min_value=0, max_value=10_000),
    revenue=money,
    assets=money,
    which=st.sampled_from(["employees", "revenue", "total_assets"]),
    raise_by=st.decimals(min_value=0, max_value=500_000, places=2, allow_nan=False),
)
def test_raising_any_indicator_never_lowers_the_class(
    code: str,
    employees: int,
    revenue: Decimal,
    assets: Decimal,
    which: str,
    raise_by: Decimal,
) -> None:
    before = classify(code, employees=employees, revenue=revenue, total_assets=assets)
    after = classify(
        code,
        employees=employees + int(raise_by) if which == "employees" else employees,
        revenue=revenue + raise_by if which == "revenue" else revenue,
        total_assets=assets + raise_by if which == "total_assets" else assets,
    )
    assert before.size is not None and after.size is not None
    assert SIZE_RANK[after.size] >= SIZE_RANK[before.size]
