"""The GB/T 4754-2017 industry code table: its counts and shape, every written form of a code,
unknown codes, coverage at every level, names, and the SQL prefix against a real query."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shishi.enterprise import industry
from shishi.enterprise.industry import (
    DATA_FILE,
    all_codes,
    ancestors,
    by_name,
    children,
    covers,
    is_valid,
    lookup,
    normalize,
    sql_prefix,
)

CLASSES = [i.code for i in all_codes("class")]


def test_counts_per_level_are_the_standards() -> None:
    counts = Counter(i.level for i in all_codes())
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert [i.code for i in all_codes("section")] == list("ABCDEFGHIJKLMNOPQRST")


def test_data_file_is_well_formed() -> None:
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20 + 97 + 473 + 1381
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == len(codes)
    seen: set[str] = set()
    for row in rows:
        assert row["name"] and row["name"] == row["name"].strip()
        assert row["parent"] == "" or row["parent"] in seen  # parents come first
        code = row["code"]
        expected_parent = {1: "", 3: code[0]}.get(len(code), code[:-1])
        assert row["parent"] == expected_parent
        seen.add(row["code"])


def test_division_numbers_run_01_to_97_in_their_sections() -> None:
    divisions = {i.digits: i.code[0] for i in all_codes("division")}
    assert sorted(divisions) == [f"{n:02d}" for n in range(1, 98)]
    # The section ranges of the standard (A 01-05 … T 97).
    assert divisions["01"] == divisions["05"] == "A"
    assert divisions["06"] == divisions["12"] == "B"
    assert divisions["13"] == divisions["43"] == "C"
    assert divisions["65"] == "I"
    assert divisions["70"] == "K"
    assert divisions["96"] == "S"
    assert divisions["97"] == "T"


def test_every_group_and_division_has_children_and_classes_none() -> None:
    for entry in all_codes():
        kids = children(entry.code)
        if entry.level == "class":
            assert kids == []
        else:
            assert kids, entry.code
            assert all(k.parent == entry.code for k in kids)


def test_lookup_gives_name_level_and_parent_chain() -> None:
    entry = lookup("6513")
    assert entry.code == "I6513"
    assert entry.name == "应用软件开发"
    assert entry.level == "class"
    assert entry.level_label == "小类"
    assert entry.parent == "I651"
    assert entry.chain == ("I", "I65", "I651", "I6513")
    assert [a.name for a in ancestors("I6513")] == [
        "信息传输、软件和信息技术服务业",
        "软件和信息技术服务业",
        "软件开发",
        "应用软件开发",
    ]
    assert lookup("I").level == "section" and lookup("I").parent is None
    assert lookup("c").name == "制造业"
    assert str(lookup("K70")) == "K70 房地产业"


@pytest.mark.parametrize(
    "written",
    ["I6513", "6513", "i6513", " I6513 ", "I 65 13", "６５１３", "Ｉ６５１３", "\tI6513\n"],
)
def test_normalize_class_in_every_written_form(written) -> None:
    assert normalize(written) == "I6513"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("I65", "I65"),
        ("65", "I65"),
        ("i65", "I65"),
        (" 6 5 ", "I65"),
        ("I651", "I651"),
        ("651", "I651"),
        ("I", "I"),
        ("i", "I"),
        (" t ", "T"),
        ("01", "A01"),
        ("0111", "A0111"),
        ("9700", "T9700"),
    ],
)
def test_normalize_divisions_groups_and_sections(written, canonical) -> None:
    assert normalize(written) == canonical


def test_round_trip_every_code() -> None:
    for entry in all_codes():
        assert normalize(entry.code) == entry.code
        assert normalize(entry.code.lower()) == entry.code
        if entry.digits:
            assert normalize(entry.digits) == entry.code
        assert lookup(entry.code) == entry
        named = by_name(entry.name)  # the deepest code of the chain that repeats the name
        assert named.startswith(entry.code) and lookup(named).name == entry.name


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("6514", "行业代码6514不存在"),
        ("I6514", "行业代码6514不存在"),
        ("98", "行业代码98不存在"),
        ("00", "行业代码00不存在"),
        ("658", "行业代码658不存在"),
        ("U", "行业门类U不存在"),
        ("A6513", "行业代码A6513的门类字母不对：6513属于门类I"),
    ],
)
def test_unknown_codes_are_refused_with_a_readable_message(written, message) -> None:
    with pytest.raises(ValueError) as excinfo:
        normalize(written)
    assert str(excinfo.value).startswith(message)
    assert not is_valid(written)


@pytest.mark.parametrize(
    "written", ["1", "65131", "I65131", "II65", "65I", "I-65", "软件", "٦٥١٣", "6513" * 10]
)
def test_malformed_codes_are_refused_naming_the_form(written) -> None:
    with pytest.raises(ValueError) as excinfo:
        normalize(written)
    assert "写法不对" in str(excinfo.value)
    assert "I6513" in str(excinfo.value)


@pytest.mark.parametrize("written", ["", "   ", None])
def test_empty_code_is_refused_not_crashed(written) -> None:
    with pytest.raises(ValueError, match="行业代码为空"):
        normalize(written)


@pytest.mark.parametrize(
    ("condition", "enterprise", "expected"),
    [
        ("I6513", "I6513", True),  # a class covers itself
        ("6513", "I6513", True),
        ("I6513", "I6511", False),
        ("I651", "I6513", True),  # a group covers its classes
        ("651", "6519", True),
        ("I651", "I6520", False),
        ("I65", "I6513", True),  # a division covers its groups and classes
        ("65", "I651", True),
        ("I65", "I6410", False),
        ("I", "I6513", True),  # a section covers all its divisions
        ("I", "I63", True),
        ("i", "6410", True),
        ("I", "J6621", False),
        ("I6513", "I65", False),  # a narrower condition does not cover a broader code
        ("I65", "I", False),
    ],
)
def test_covers_at_every_level(condition, enterprise, expected) -> None:
    assert covers(condition, enterprise) is expected


def test_covers_agrees_with_the_chain_for_every_class() -> None:
    for entry in all_codes("class"):
        for other in ("A", "C13", "I65", "I651", "I6513", "T9700"):
            assert covers(other, entry.code) is (other in entry.chain)


def test_covers_refuses_unknown_codes() -> None:
    with pytest.raises(ValueError, match="行业代码6514不存在"):
        covers("6514", "I6513")
    with pytest.raises(ValueError, match="行业代码6514不存在"):
        covers("I65", "6514")


def test_sql_prefix_is_the_canonical_code_and_matches_covers() -> None:
    assert sql_prefix("65") == "I65"
    assert sql_prefix("i") == "I"
    for condition in ("I", "65", "651", "6513", "C13", "T"):
        prefix = sql_prefix(condition)
        by_prefix = {c for c in CLASSES if c.startswith(prefix)}
        assert by_prefix == {c for c in CLASSES if covers(condition, c)}
        assert by_prefix


@pytest.mark.django_db
def test_sql_prefix_selects_the_covered_codes_in_the_database() -> None:
    """The prefix works as a database ``startswith`` on canonical codes (the enterprise
    register's column will hold them), checked on a real table holding every class: a
    character column of auth's groups stands in for it."""
    from django.contrib.auth.models import Group

    Group.objects.bulk_create(Group(name=code) for code in CLASSES)
    for condition in ("65", "I651", "i", "C13"):
        found = Group.objects.filter(name__startswith=sql_prefix(condition))
        assert sorted(found.values_list("name", flat=True)) == sorted(
            c for c in CLASSES if covers(condition, c)
        )
    assert Group.objects.filter(name__startswith=sql_prefix("I65"), name="I6410").count() == 0


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("应用软件开发", "I6513"),
        ("软件和信息技术服务业", "I65"),
        (" 应用 软件开发 ", "I6513"),
        ("制造业", "C"),
        ("皮箱、包(袋)制造", "C1922"),  # half-width parentheses as typed
        ("皮箱、包（袋）制造", "C1922"),
        ("房地产业", "K70"),  # K and K70 share the name: the deepest of one chain
        ("国际组织", "T9700"),
    ],
)
def test_by_name_exact(name, code) -> None:
    assert by_name(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("批发零售", "F"),
        ("批发零售业", "F"),
        ("住宿餐饮业", "H"),
        ("房地产", "K70"),
        ("软件和信息技术服务", "I65"),
    ],
)
def test_by_name_short_forms_when_unambiguous(name, code) -> None:
    assert by_name(name) == code


def test_by_name_ambiguous_text_names_the_candidates_and_guesses_nothing() -> None:
    with pytest.raises(ValueError) as excinfo:
        by_name("信息技术服务")
    message = str(excinfo.value)
    assert message.startswith("行业名称“信息技术服务”不是标准名称，可能是：")
    for candidate in (
        "I 信息传输、软件和信息技术服务业",
        "I65 软件和信息技术服务业",
        "I659 其他信息技术服务业",
    ):
        assert candidate in message
    with pytest.raises(ValueError, match="A0111 稻谷种植、C1311 稻谷加工"):
        by_name("稻谷")
    with pytest.raises(ValueError, match="等9个"):  # a long list is cut short, with its size
        by_name("软件")


def test_no_short_form_of_the_table_fits_two_industries() -> None:
    """Short forms are taken only because none is shared: if a new edition of the table made
    one ambiguous, by_name would refuse it naming both (this test then says which)."""
    table = industry._table()
    shared = {k: v for k, v in table.loose_names.items() if len(industry._collapse(v)) > 1}
    assert shared == {}


def test_by_name_unknown_and_empty() -> None:
    with pytest.raises(ValueError, match="不在国民经济行业分类"):
        by_name("元宇宙运营")
    with pytest.raises(ValueError, match="行业名称为空"):
        by_name("  ")


@settings(max_examples=300)
@given(st.sampled_from(CLASSES), st.sampled_from(["", " ", "  "]), st.booleans())
def test_every_class_normalises_from_its_digits_alone(code, padding, full_width) -> None:
    digits = code[1:]
    if full_width:
        digits = "".join(chr(ord(ch) + 0xFEE0) for ch in digits)
    assert normalize(padding + digits + padding) == code
    assert covers(code[:3], digits)
