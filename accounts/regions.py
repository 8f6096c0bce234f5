"""Province-level divisions of GB/T 2260 (code, Chinese name, English name).

Loaded into the Province table by a data migration; kept here so tests and seed data can use it without the ORM.
"""

from __future__ import annotations

import unicodedata

PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
    ("140000", "山西省", "Shanxi"),
    ("150000", "内蒙古自治区", "Inner Mongolia"),
    ("210000", "辽宁省", "Liaoning"),
    ("220000", "吉林省", "Jilin"),
    ("230000", "黑龙江省", "Heilongjiang"),
    ("310000", "上海市", "Shanghai"),
    ("320000", "江苏省", "Jiangsu"),
    ("330000", "浙江省", "Zhejiang"),
    ("340000", "安徽省", "Anhui"),
    ("350000", "福建省", "Fujian"),
    ("360000", "江西省", "Jiangxi"),
    ("370000", "山东省", "Shandong"),
    ("410000", "河南省", "Henan"),
    ("420000", "湖北省", "Hubei"),
    ("430000", "湖南省", "Hunan"),
    ("440000", "广东省", "Guangdong"),
    ("450000", "广西壮族自治区", "Guangxi"),
    ("460000", "海南省", "Hainan"),
    ("500000", "重庆市", "Chongqing"),
    ("510000", "四川省", "Sichuan"),
    ("520000", "贵州省", "Guizhou"),
    ("530000", "云南省", "Yunnan"),
    ("540000", "西藏自治区", "Tibet"),
    ("610000", "陕西省", "Shaanxi"),
    ("620000", "甘肃省", "Gansu"),
    ("630000", "青海省", "Qinghai"),
    ("640000", "宁夏回族自治区", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "Xinjiang"),
    ("710000", "台湾省", "Taiwan"),
    ("810000", "香港特别行政区", "Hong Kong"),
    ("820000", "澳门特别行政区", "Macao"),
)

# Other names people write for a province, beside its code and the names above: the short Chinese name is derived
# (上海 for 上海市, 广西 for 广西壮族自治区); these are the rest. The one alias table: imports, forms and the API
# resolve a typed province through ``province_code``.
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "150000": ("Nei Mongol", "Inner Mongolia Autonomous Region"),
    "450000": ("Guangxi Zhuang Autonomous Region",),
    "540000": ("Xizang", "Tibet Autonomous Region"),
    "640000": ("Ningxia Hui Autonomous Region",),
    "650000": ("Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur Autonomous Region"),
    "810000": ("Hongkong", "Hong Kong SAR"),
    "820000": ("Macau", "Macao SAR", "Macau SAR"),
    "500000": ("Chungking",),
    "110000": ("Peking",),
}


def short_name(name_zh: str) -> str:
    """上海市 -> 上海, 广西壮族自治区 -> 广西, 香港特别行政区 -> 香港."""
    for suffix in _SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1:
            return name_zh[: -len(suffix)]
    return name_zh


def _key(text: str) -> str:
    # Full-width letters and spaces fold to half-width; case and inner spacing do not matter.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name_zh, name_en in PROVINCES:
        names = (
            code,
            name_zh,
            short_name(name_zh),
            name_en,
            f"{name_en} Province",
            f"{name_en} Shi",
            *EXTRA_ALIASES.get(code, ()),
        )
        for name in names:
            table[_key(name)] = code
    return table


_LOOKUP = _lookup()


def province_code(text: str) -> str | None:
    """The GB/T 2260 code of a province however it is written (code, full or short Chinese name, English), or None."""
    return _LOOKUP.get(_key(text or ""))
