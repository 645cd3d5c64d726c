"""How alike two demands are: the words (character bigrams of the Chinese text) and the
place (the same street, an address sharing a road name, or coordinates within a few
hundred metres). Documented, cheap and deterministic: no model to train, no service to call.

- ``text_similarity(a, b)``: Jaccard of the two texts' character bigrams (punctuation and
  spaces dropped, NFKC, lower case). "夜间施工噪声扰民" and "晚上工地施工噪声太大扰民"
  share 施工, 工噪, 噪声, 扰民 …
- ``same_place(a, b)``: the same street unit; or within ``NEAR_METRES`` by coordinates; or
  addresses sharing a road or community: the two characters before 路, 街, 道, 巷, 大街, 小区,
  社区 or 花园.
- ``similar(a, b)``: same category, text similarity ≥ ``TEXT_THRESHOLD`` and the same place.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

TEXT_THRESHOLD = 0.3
NEAR_METRES = 300
_DROP = re.compile(r"[\W_]+", re.UNICODE)
# A road or community: the two characters before its kind ("南岗区学府路88号" → 学府路), so
# that an address with or without the district in front names the same place.
PLACE_KINDS = ("大街", "小区", "社区", "花园", "路", "街", "道", "巷")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2}(?:" + "|".join(PLACE_KINDS) + ")")


def bigrams(text: str) -> frozenset[str]:
    clean = _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())
    return frozenset(clean[i : i + 2] for i in range(len(clean) - 1))


def text_similarity(a: str, b: str) -> float:
    left, right = bigrams(a), bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def place_names(address: str) -> frozenset[str]:
    return frozenset(_PLACE.findall(unicodedata.normalize("NFKC", address or "")))


def metres(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Great-circle distance (haversine, WGS-84 as a sphere)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Sketch:
    """What similarity needs of a demand (built once per demand for a batch)."""

    pk: int
    category_id: int
    street_id: int | None
    lat: Decimal | None
    lon: Decimal | None
    grams: frozenset[str]
    places: frozenset[str]


def sketch(
    pk: int,
    category_id: int,
    street_id: int | None,
    lat: Decimal | None,
    lon: Decimal | None,
    description: str,
    address: str,
) -> Sketch:
    return Sketch(pk, category_id, street_id, lat, lon, bigrams(description), place_names(address))


def same_place(a: Sketch, b: Sketch) -> bool:
    if a.street_id is not None and a.street_id == b.street_id:
        return True
    if None not in (a.lat, a.lon, b.lat, b.lon):
        assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
        if metres(a.lat, a.lon, b.lat, b.lon) <= NEAR_METRES:
            return True
    return bool(a.places & b.places)


def similar(a: Sketch, b: Sketch) -> bool:
    if a.category_id != b.category_id or not a.grams or not b.grams:
        return False
    score = len(a.grams & b.grams) / len(a.grams | b.grams)
    return score >= TEXT_THRESHOLD and same_place(a, b)
